/**
 * Tokenisers: text to token ids and back, behind one contract ({@link
 * org.lactspark.data.tokenize.Tokenizer}: ids without markers from {@code encode}, the configured
 * BOS/EOS around a document from {@code encodeDocument}).
 *
 * <ul>
 *   <li>{@link org.lactspark.data.tokenize.ByteTokenizer}: the self-contained default, one token
 *       per UTF-8 byte, markers after the bytes; needs no file.
 *   <li>{@link org.lactspark.data.tokenize.HuggingFaceTokenizer}: any Hugging Face {@code
 *       tokenizer.json} the Rust tokenizers library reads, through DJL's binding, so that a
 *       dataset's ids match what the Python library gives for the same file. The native library
 *       comes from DJL's jar, loaded offline from a private cache directory (DjlTokenizerSetup
 *       says why), and the file is checked first (TokenizerJson) so that a bad file gets a message
 *       naming it.
 *   <li>{@link org.lactspark.data.tokenize.TokenizerSpec}: what a Spark job ships to executors
 *       (the file's bytes, not a path, since executors may not see the driver's files); it opens a
 *       tokenizer once per JVM and gives the identity that a dataset's manifest records.
 * </ul>
 *
 * <p>All tokenizers are thread-safe: an executor's tasks share one instance.
 */
package org.lactspark.data.tokenize;
