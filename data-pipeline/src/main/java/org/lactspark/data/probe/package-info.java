/**
 * Seeded synthetic long-context probes for evaluation, in the dataset format with their answers
 * marked: {@link org.lactspark.data.probe.KeyValueRecall} (key-value recall, MQAR-style) and
 * {@link org.lactspark.data.probe.NeedleInHaystack} (one needle, S-NIAH-style as in RULER), both
 * {@link org.lactspark.data.probe.Probe}s; {@link org.lactspark.data.probe.ProbeDatasets} writes a
 * dataset directory of one split per probe.
 *
 * <p>Probes are written as text and tokenised with the {@link org.lactspark.data.tokenize.Tokenizer}
 * of the model under evaluation, because a probe must be in the tokens that model was trained on;
 * lengths are in those tokens. The text is encoded segment by segment, so each answer is an exact
 * token range (an answer span in the shard) rather than something recovered from offsets after the
 * fact; the generators' javadoc says where that can differ from encoding the whole text.
 *
 * <p>One generator per task, here: the model's learning test trains on
 * {@link org.lactspark.data.probe.KeyValueRecall#generate(long)}, the byte-token special case of the
 * same generator the probe datasets use (through a test-scope dependency), so the task the model
 * learns and the task it is evaluated on cannot drift apart. JDK and SLF4J only, no Spark.
 */
package org.lactspark.data.probe;
