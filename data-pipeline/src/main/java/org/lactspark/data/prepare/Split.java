package org.lactspark.data.prepare;

/** The dataset's splits, by the names the manifest uses. */
public enum Split {
  /** Training sequences. */
  TRAIN("train"),
  /** Held-out sequences. */
  VALIDATION("validation");

  private final String id;

  Split(String id) {
    this.id = id;
  }

  /** The split's name in the manifest and in shard file names. */
  public String id() {
    return id;
  }
}
