package org.lactspark.data.prepare;

import org.lactspark.data.dataset.Manifest;

/**
 * What a prepare run made: the dataset's manifest (counts, shards, checksums) and what it read.
 *
 * @param output the dataset directory
 * @param manifest the manifest written
 * @param inputFiles input files read
 * @param inputBytes their bytes as stored
 * @param textChars characters of document text tokenised
 * @param blanks blank lines, empty values and token-less documents passed over
 * @param badInput bad input left out (empty unless {@code onBadInput=skip})
 * @param seconds wall time of the run
 */
public record PrepareResult(String output, Manifest manifest, long inputFiles, long inputBytes, long textChars,
    long blanks, BadInputReport badInput, double seconds) {
  /** Tokens per document, over both splits. */
  public double tokensPerDocument() {
    Manifest.Counts c = manifest.counts();
    return c.documents() == 0 ? 0 : (double) c.tokens() / c.documents();
  }

  /** Share of the sequences' L-token slots that are padding. */
  public double paddingFraction() {
    Manifest.Counts c = manifest.counts();
    double slots = (double) c.sequences() * manifest.sequenceLength();
    return slots == 0 ? 0 : c.paddingTokens() / slots;
  }
}
