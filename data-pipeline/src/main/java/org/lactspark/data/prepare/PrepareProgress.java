package org.lactspark.data.prepare;

/**
 * A snapshot of a running prepare job, for a progress line. Counts come from finished tasks.
 *
 * @param stage what the job is doing ("reading", "packing", "writing")
 * @param filesDone input files read
 * @param files input files in all
 * @param bytesDone bytes of the input files read (as stored: compressed if they are)
 * @param bytes bytes of all input files
 * @param documents documents tokenised
 * @param tokens tokens they hold
 * @param shardsDone shards written
 * @param shards shards to write (0 until known)
 * @param seconds time since the job started
 */
public record PrepareProgress(String stage, long filesDone, long files, long bytesDone, long bytes, long documents,
    long tokens, long shardsDone, long shards, double seconds) {
  /** Input bytes per second so far. */
  public double bytesPerSecond() {
    return seconds > 0 ? bytesDone / seconds : 0;
  }

  /** Seconds until the input is read, at the rate so far; -1 if unknown. */
  public double etaSeconds() {
    double rate = bytesPerSecond();
    if (filesDone >= files) {
      return 0;
    }
    return rate > 0 ? (bytes - bytesDone) / rate : -1;
  }
}
