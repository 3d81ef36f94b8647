package org.lactspark.model.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's header entry: name, element type, shape (row-major) and its byte range {@code
 * [begin, end)} relative to the start of the file's byte buffer. The shape array is copied in and
 * out, so an instance cannot be changed through it; equality compares the shape's contents.
 */
public record TensorInfo(String name, StDType dtype, long[] shape, long begin, long end) {

  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape "
            + Arrays.toString(shape));
      }
    }
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': bad byte range [" + begin + ", " + end + "]");
    }
  }

  /** A copy of the shape; a scalar has an empty shape. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /**
   * The number of elements, the product of the shape (1 for a scalar).
   *
   * @throws ArithmeticException if the product overflows a long (the reader rejects such headers)
   */
  public long numElements() {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** The size of the tensor's data, {@code end - begin}. */
  public long byteLength() {
    return end - begin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
  }

  @Override
  public String toString() {
    return "TensorInfo[" + name + " " + dtype + " " + Arrays.toString(shape) + " @[" + begin + ", "
        + end + ")]";
  }
}
