package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * silu and its first two derivatives from one sigmoid, each as a few whole-array ND4J ops:
 * {@code s = sigmoid(a)}, {@code silu = a s}, {@code silu' = s (1 + a (1 - s))},
 * {@code silu'' = s (1 - s) (2 + a (1 - 2 s))}.
 */
public final class Silu implements AutoCloseable {
  /** sigmoid(a). */
  public final INDArray sig;
  /** silu(a). */
  public final INDArray value;
  private INDArray prime;

  private Silu(INDArray sig, INDArray value) {
    this.sig = sig;
    this.value = value;
  }

  /** silu of {@code a}, which is not modified. */
  public static Silu of(INDArray a) {
    INDArray sig = Nd4j.createUninitialized(a.dataType(), a.shape());
    Nd4j.exec(new Sigmoid(a, sig));
    return new Silu(sig, a.mul(sig));
  }

  /** silu'(a), computed on first use (the forward apply never needs it). */
  public INDArray prime() {
    if (prime == null) {
      prime = sig.rsub(1.0).muli(value).addi(sig);
    }
    return prime;
  }

  /** Frees sig, silu and silu' (arrays in a workspace are left to it); do not use this afterwards. */
  @Override
  public void close() {
    Tape.free(sig, value, prime);
  }

  /** silu'' of the same input {@code a}. */
  public INDArray second(INDArray a) {
    INDArray oneMinus = sig.rsub(1.0);
    INDArray inner = sig.mul(-2.0).addi(1.0).muli(a).addi(2.0);
    return inner.muli(oneMinus).muli(sig);
  }
}
