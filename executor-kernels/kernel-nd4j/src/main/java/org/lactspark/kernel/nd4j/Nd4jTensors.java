package org.lactspark.kernel.nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.lactspark.kernel.HostTensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Copies between the API's float64 host tensors and ND4J arrays of the kernel's precision, and
 * frees arrays deterministically (fresh native memory is expensive to touch, so buffers are handed
 * back as soon as they are dead rather than when the garbage collector gets to them).
 */
final class Nd4jTensors {
  private Nd4jTensors() {}

  static INDArray toNd4j(HostTensor t, DataType dt) {
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    INDArray a = Nd4j.createUninitialized(dt, shape);
    copyInto(t.data(), a);
    return a;
  }

  /**
   * Copies row-major values into a contiguous array of the same length through its native buffer
   * (a bulk copy: ND4J's element-wise {@code setData} took about 70 ms per call at the benchmark
   * shape).
   */
  static void copyInto(double[] src, INDArray dst) {
    ByteBuffer bytes = nativeBytes(dst);
    if (dst.dataType() == DataType.DOUBLE) {
      bytes.asDoubleBuffer().put(src);
    } else if (dst.dataType() == DataType.FLOAT) {
      FloatBuffer f = bytes.asFloatBuffer();
      float[] chunk = new float[Math.min(src.length, 1 << 16)];
      for (int off = 0; off < src.length; off += chunk.length) {
        int len = Math.min(chunk.length, src.length - off);
        for (int i = 0; i < len; i++) {
          chunk[i] = (float) src[off + i];
        }
        f.put(chunk, 0, len);
      }
    } else {
      throw new IllegalArgumentException("unsupported data type " + dst.dataType());
    }
  }

  static HostTensor toHost(INDArray a) {
    int[] shape = new int[a.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = (int) a.size(i);
    }
    boolean plain = !a.isView() && a.ordering() == 'c' && a.offset() == 0;
    INDArray c = plain ? a : a.dup('c');
    double[] data = new double[(int) c.length()];
    ByteBuffer bytes = nativeBytes(c);
    if (c.dataType() == DataType.DOUBLE) {
      bytes.asDoubleBuffer().get(data);
    } else if (c.dataType() == DataType.FLOAT) {
      FloatBuffer f = bytes.asFloatBuffer();
      for (int i = 0; i < data.length; i++) {
        data[i] = f.get(i);
      }
    } else {
      data = c.castTo(DataType.DOUBLE).data().asDouble();
    }
    if (c != a) {
      close(c);
    }
    return HostTensor.of(data, shape);
  }

  /** The array's native buffer as a native-order byte buffer positioned at its first element. */
  private static ByteBuffer nativeBytes(INDArray a) {
    if (a.isView() || a.ordering() != 'c' || a.offset() != 0) {
      throw new IllegalArgumentException("need a whole contiguous array, got a view");
    }
    ByteBuffer b = a.data().asNio().order(ByteOrder.nativeOrder());
    b.position(0);
    b.limit((int) (a.length() * a.dataType().width()));
    return b.slice().order(ByteOrder.nativeOrder());
  }

  /** Frees each closeable array (nulls and views are skipped). */
  static void close(INDArray... arrays) {
    for (INDArray a : arrays) {
      if (a != null && a.closeable()) {
        a.close();
      }
    }
  }
}
