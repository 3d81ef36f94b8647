package org.lactspark.kernel.nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Native-buffer access and deterministic freeing of ND4J arrays (fresh native memory is expensive
 * to touch, so buffers are handed back as soon as they are dead rather than when the garbage
 * collector gets to them). Host copies go through {@link ArrayPool}.
 */
final class Nd4jTensors {
  private Nd4jTensors() {}

  /** The array's native buffer as a native-order byte buffer positioned at its first element. */
  static ByteBuffer nativeBytes(INDArray a) {
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
