package org.lactspark.kernel.nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Native-buffer access of ND4J arrays (freeing is {@link Tape}'s). Host copies go through
 * {@link ArrayPool}.
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
}
