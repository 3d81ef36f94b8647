package org.lactspark.model.nn;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Named parameter (or gradient) arrays of one module, looked up under a prefix. The names are the
 * official state_dict names relative to the module ({@code qkv.weight}, {@code mlp.up_proj.weight}),
 * so a block sees its LaCT layer's parameters through {@code sub("attn.")}. The arrays are usually
 * views into a DL4J flat parameter or gradient vector: writes go straight into it.
 */
public final class Params {
  private final Map<String, INDArray> arrays;
  private final String prefix;

  private Params(Map<String, INDArray> arrays, String prefix) {
    this.arrays = Objects.requireNonNull(arrays, "arrays");
    this.prefix = prefix;
  }

  /** The arrays of {@code map}, by full name. */
  public static Params of(Map<String, INDArray> map) {
    return new Params(map, "");
  }

  /** The parameters whose names start with {@code p}, named without it. */
  public Params sub(String p) {
    return new Params(arrays, prefix + p);
  }

  /**
   * The array called {@code name} under this prefix.
   *
   * @throws IllegalArgumentException naming the full key if it is absent
   */
  public INDArray get(String name) {
    INDArray a = arrays.get(prefix + name);
    if (a == null) {
      throw new IllegalArgumentException("parameter '" + prefix + name + "' is missing (have " + arrays.keySet() + ")");
    }
    return a;
  }

  /** The names under this prefix, without it. */
  public java.util.List<String> names() {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String k : arrays.keySet()) {
      if (k.startsWith(prefix)) {
        out.add(k.substring(prefix.length()));
      }
    }
    return out;
  }

  /** Whether {@code name} exists under this prefix. */
  public boolean has(String name) {
    return arrays.containsKey(prefix + name);
  }
}
