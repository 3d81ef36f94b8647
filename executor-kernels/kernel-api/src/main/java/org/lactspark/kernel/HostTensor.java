package org.lactspark.kernel;

import java.util.Arrays;

/**
 * A dense row-major float64 tensor on the JVM heap: the currency of the kernel API.
 *
 * <p>The data array is shared, not copied: a tensor handed to a kernel must not be modified while
 * the kernel uses it, and a tensor returned by a kernel belongs to the caller. Float64 is used for
 * every precision at this boundary so that conformance compares against the golden vectors without
 * a second rounding; a float32 backend rounds its inputs on entry.
 */
public final class HostTensor {
  private final int[] shape;
  private final double[] data;

  private HostTensor(int[] shape, double[] data) {
    this.shape = shape;
    this.data = data;
  }

  /**
   * Wraps {@code data} (not copied) with the given shape.
   *
   * @throws IllegalArgumentException if a dimension is negative or the sizes disagree
   */
  public static HostTensor of(double[] data, int... shape) {
    long size = checkedSize(shape);
    if (size != data.length) {
      throw new IllegalArgumentException(
          "data has " + data.length + " elements but shape " + Arrays.toString(shape) + " needs " + size);
    }
    return new HostTensor(shape.clone(), data);
  }

  /** A tensor of zeros. */
  public static HostTensor zeros(int... shape) {
    long size = checkedSize(shape);
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large for one array");
    }
    return new HostTensor(shape.clone(), new double[(int) size]);
  }

  private static long checkedSize(int[] shape) {
    long size = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      size *= d;
    }
    return size;
  }

  /** The shape (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  /** Dimension {@code i}. */
  public int dim(int i) {
    return shape[i];
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** The backing row-major array (shared, not copied). */
  public double[] data() {
    return data;
  }

  /** The number of elements. */
  public int size() {
    return data.length;
  }

  /** A deep copy. */
  public HostTensor copy() {
    return new HostTensor(shape.clone(), data.clone());
  }

  /** True if the shapes are equal. */
  public boolean sameShape(HostTensor other) {
    return Arrays.equals(shape, other.shape);
  }

  /** True if {@code shape} equals {@code expected}. */
  public boolean hasShape(int... expected) {
    return Arrays.equals(shape, expected);
  }

  /** The index of the first NaN or infinite element, or -1. */
  public int firstNonFinite() {
    for (int i = 0; i < data.length; i++) {
      if (!Double.isFinite(data[i])) {
        return i;
      }
    }
    return -1;
  }

  /** The largest absolute element. */
  public double maxAbs() {
    double m = 0;
    for (double x : data) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  /** The shape as text, for example {@code [2, 40, 16]}. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public String toString() {
    return "HostTensor" + shapeString();
  }
}
