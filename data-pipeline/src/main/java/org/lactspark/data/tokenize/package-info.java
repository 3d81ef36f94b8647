/**
 * Tokenisers: text to token ids. {@link org.lactspark.data.tokenize.ByteTokenizer} is the
 * self-contained default (UTF-8 bytes, optional document markers); a Hugging Face
 * {@code tokenizer.json} loader comes with the rest of the data-pipeline issue (NOTES.md).
 */
package org.lactspark.data.tokenize;
