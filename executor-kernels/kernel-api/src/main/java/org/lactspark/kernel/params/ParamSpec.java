package org.lactspark.kernel.params;

import java.util.Arrays;
import java.util.Objects;

/**
 * One parameter: its name, shape (row-major) and initialisation.
 *
 * @param name the official state_dict name, e.g. {@code model.layers.0.attn.qkv.weight}
 * @param shape dimensions, each >= 1 (copied)
 * @param init how it starts
 */
public record ParamSpec(String name, int[] shape, ParamInit init) {

  /** Validates and copies. */
  public ParamSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(init, "init");
    shape = shape.clone();
    for (int d : shape) {
      if (d < 1) {
        throw new IllegalArgumentException(name + ": dimension " + d + " in shape " + Arrays.toString(shape));
      }
    }
  }

  /** The shape (a copy). */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of elements. */
  public long size() {
    long s = 1;
    for (int d : shape) {
      s *= d;
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParamSpec p && p.name.equals(name) && Arrays.equals(p.shape, shape) && p.init.equals(init);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, Arrays.hashCode(shape), init);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
