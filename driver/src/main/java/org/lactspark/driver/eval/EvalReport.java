package org.lactspark.driver.eval;

import java.util.List;
import java.util.Map;

/**
 * Everything one evaluation measured, for one or more models over the same data: what {@code
 * eval.json} holds and what the plots and the HTML page are drawn from. Plain records, written and
 * read with Jackson.
 *
 * @param formatVersion {@value #FORMAT_VERSION}
 * @param createdAt ISO-8601 instant the evaluation finished
 * @param dataset the dataset scored for loss (null when only probes were evaluated)
 * @param probes the probe dataset evaluated for retrieval (null when none)
 * @param models the evaluated model first, then any baselines, in the order given
 * @param notes sentences for the reader: what the numbers show and what they cannot
 */
public record EvalReport(int formatVersion, String createdAt, DatasetInfo dataset, DatasetInfo probes,
    List<ModelResult> models, List<String> notes) {

  /** The current format. */
  public static final int FORMAT_VERSION = 1;

  /**
   * A dataset as evaluated.
   *
   * @param path where it was read
   * @param split the split scored (probe datasets: every split)
   * @param sequences sequences scored
   * @param sequenceLength the dataset's sequence length
   * @param tokenizer the tokenizer's name
   */
  public record DatasetInfo(String path, String split, long sequences, int sequenceLength, String tokenizer) {}

  /**
   * One model's results.
   *
   * @param label the name shown in tables and legends ({@code model}, {@code baseline}, or given)
   * @param checkpoint the checkpoint directory evaluated
   * @param step the training step of that checkpoint
   * @param tttEnabled whether the model has its TTT branch
   * @param model the model's configuration, key to value
   * @param loss the language-model loss (null without a dataset)
   * @param positions the loss by position in the context (null without a dataset)
   * @param retrieval the probe accuracies (empty without probes)
   * @param timing how long it took
   */
  public record ModelResult(String label, String checkpoint, long step, boolean tttEnabled,
      Map<String, String> model, Loss loss, PositionLoss positions, List<ProbeResult> retrieval,
      Timing timing) {}

  /**
   * Loss totals. Loss is the natural-log cross-entropy of each token given the ones before it.
   *
   * @param tokens tokens scored
   * @param bytes UTF-8 bytes of the text of those tokens (for per-byte comparisons across
   *     tokenizers)
   * @param lossPerToken mean nats per scored token
   * @param perplexity {@code exp(lossPerToken)}
   * @param lossPerByte nats per byte
   * @param bitsPerByte {@code lossPerByte / ln 2}
   */
  public record Loss(long tokens, long bytes, double lossPerToken, double perplexity, double lossPerByte,
      double bitsPerByte) {}

  /**
   * Mean loss by position bucket: position p (the index of the predicting token in its sequence)
   * falls in bucket {@code p / bucketSize}.
   *
   * @param bucketSize positions per bucket
   * @param buckets one entry per bucket, in order
   */
  public record PositionLoss(int bucketSize, List<Bucket> buckets) {}

  /**
   * One bucket of positions {@code [start, end)}.
   *
   * @param meanLoss mean nats per token scored in the bucket (NaN when none were)
   * @param tokens tokens scored in the bucket
   */
  public record Bucket(int start, int end, double meanLoss, long tokens) {}

  /**
   * Accuracy on one probe split: an example counts as retrieved when the model's greedy prediction
   * of every answer token (given the true tokens before it) is right.
   *
   * @param name the split name, e.g. {@code mqar-L256-k8-d0.50}
   * @param task {@code niah} or {@code mqar}
   * @param length the probe's length in tokens
   * @param depth where the answer's source sits, 0 (start) to 1 (end)
   * @param examples examples scored
   * @param accuracy fraction of examples retrieved
   * @param tokenAccuracy fraction of answer tokens predicted right
   */
  public record ProbeResult(String name, String task, int length, double depth, long examples, double accuracy,
      double tokenAccuracy) {}

  /**
   * Time spent.
   *
   * @param seconds wall time of the whole evaluation of this model
   * @param tokens tokens run through the model (scored or not)
   * @param tokensPerSecond {@code tokens / seconds} of the forward passes alone
   */
  public record Timing(double seconds, long tokens, double tokensPerSecond) {}
}
