package org.lactspark.model.layer;

/**
 * DL4J parameter keys for official parameter names. ComputationGraph names a parameter
 * {@code vertex + "_" + key} and splits that at the last underscore, so a key must not contain
 * one; official names never contain {@code '-'}, which makes the mapping reversible.
 */
public final class ParamKeys {
  private ParamKeys() {}

  /** The DL4J key of an official (layer-relative) name. */
  public static String toDl4j(String officialName) {
    return officialName.replace('_', '-');
  }

  /** The official name of a DL4J key. */
  public static String toOfficial(String dl4jKey) {
    return dl4jKey.replace('-', '_');
  }
}
