package org.lactspark.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class RopeTest {
  private static INDArray random(long seed, DataType type, int... shape) {
    Random rnd = new Random(seed);
    long n = 1;
    for (int s : shape) {
      n *= s;
    }
    double[] data = new double[(int) n];
    for (int i = 0; i < data.length; i++) {
      data[i] = rnd.nextGaussian();
    }
    long[] lshape = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      lshape[i] = shape[i];
    }
    INDArray a = Nd4j.create(data, lshape, DataType.DOUBLE);
    return type == DataType.DOUBLE ? a : a.castTo(type);
  }

  /** The formula written out: pairs (c, c + d/2) rotated by t * theta^(-2i/d), in float64. */
  private static double[] reference(INDArray x, double theta, boolean inverse) {
    long[] s = x.shape();
    int b = (int) s[0];
    int l = (int) s[1];
    int h = (int) s[2];
    int d = (int) s[3];
    int half = d / 2;
    double[] in = vec(x);
    double[] out = new double[in.length];
    double sign = inverse ? -1 : 1;
    for (int bi = 0; bi < b; bi++) {
      for (int t = 0; t < l; t++) {
        for (int hi = 0; hi < h; hi++) {
          int base = ((bi * l + t) * h + hi) * d;
          for (int i = 0; i < half; i++) {
            double angle = t * Math.pow(theta, -2.0 * i / d);
            double c = Math.cos(angle);
            double sn = sign * Math.sin(angle);
            double x1 = in[base + i];
            double x2 = in[base + half + i];
            out[base + i] = x1 * c - x2 * sn;
            out[base + half + i] = x2 * c + x1 * sn;
          }
        }
      }
    }
    return out;
  }

  private static double[] vec(INDArray a) {
    return a.castTo(DataType.DOUBLE).dup('c').reshape(a.length()).toDoubleVector();
  }

  private static double maxAbsDiff(double[] a, double[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @Test
  void matchesFormulaInDouble() {
    Rope rope = Rope.of(8, 10000.0);
    INDArray x = random(1, DataType.DOUBLE, 2, 37, 3, 8);
    double[] before = vec(x);
    INDArray y = rope.apply(x);
    assertArrayEquals(x.shape(), y.shape());
    assertEquals(DataType.DOUBLE, y.dataType());
    assertTrue(maxAbsDiff(vec(y), reference(x, 10000.0, false)) < 1e-13);
    assertArrayEquals(before, vec(x), 0.0, "apply must not modify its input");
    // Position 0 has angle 0: the identity.
    assertArrayEquals(vec(x.get(NDArrayIndex.all(), NDArrayIndex.point(0))), vec(y.get(NDArrayIndex.all(), NDArrayIndex.point(0))), 1e-15);
  }

  @Test
  void matchesFormulaInFloatAndSmallTheta() {
    Rope rope = Rope.of(6, 37.5);
    INDArray x = random(2, DataType.FLOAT, 3, 19, 2, 6);
    INDArray y = rope.apply(x);
    assertEquals(DataType.FLOAT, y.dataType());
    assertTrue(maxAbsDiff(vec(y), reference(x, 37.5, false)) < 1e-5);
  }

  @Test
  void tablesGrowAndShrinkAcrossLengthsAndTypes() {
    Rope rope = Rope.of(4, 10000.0);
    // Short, then long (the tables grow), then short again (a prefix of the cached ones), then a
    // float after double (a second cast of the same tables).
    int[] lengths = {3, 11, 5, 11, 2};
    for (int i = 0; i < lengths.length; i++) {
      DataType type = i % 2 == 0 ? DataType.DOUBLE : DataType.FLOAT;
      INDArray x = random(10 + i, type, 2, lengths[i], 2, 4);
      double tol = type == DataType.DOUBLE ? 1e-13 : 1e-5;
      assertTrue(maxAbsDiff(vec(rope.apply(x)), reference(x, 10000.0, false)) < tol, "length " + lengths[i]);
      assertTrue(maxAbsDiff(vec(rope.applyBackward(x)), reference(x, 10000.0, true)) < tol,
          "backward, length " + lengths[i]);
    }
  }

  @Test
  void acceptsViewsAndFortranOrder() {
    Rope rope = Rope.of(4, 100.0);
    INDArray base = random(3, DataType.DOUBLE, 2, 3, 9, 4);
    // [2, 9, 3, 4] as a permuted view: neither C-contiguous nor a plain array.
    INDArray view = base.permute(0, 2, 1, 3);
    assertTrue(maxAbsDiff(vec(rope.apply(view)), reference(view, 100.0, false)) < 1e-13);
    INDArray f = view.dup('f');
    assertTrue(maxAbsDiff(vec(rope.apply(f)), reference(view, 100.0, false)) < 1e-13);
  }

  @Test
  void preservesNormPerPositionAndHead() {
    Rope rope = Rope.of(16, 10000.0);
    INDArray x = random(4, DataType.DOUBLE, 2, 50, 3, 16);
    INDArray y = rope.apply(x);
    INDArray nx = x.norm2(3);
    INDArray ny = y.norm2(3);
    assertTrue(maxAbsDiff(vec(nx), vec(ny)) < 1e-12);
  }

  @Test
  void backwardInvertsForward() {
    Rope rope = Rope.of(8, 500.0);
    INDArray x = random(5, DataType.DOUBLE, 2, 40, 2, 8);
    INDArray back = rope.applyBackward(rope.apply(x));
    assertTrue(maxAbsDiff(vec(back), vec(x)) < 1e-13);
    INDArray xf = x.castTo(DataType.FLOAT);
    assertTrue(maxAbsDiff(vec(rope.applyBackward(rope.apply(xf))), vec(xf)) < 1e-5);
  }

  @Test
  void backwardIsTranspose() {
    Rope rope = Rope.of(6, 10000.0);
    INDArray x = random(6, DataType.DOUBLE, 2, 21, 3, 6);
    INDArray g = random(7, DataType.DOUBLE, 2, 21, 3, 6);
    double[] gBefore = vec(g);
    double lhs = rope.apply(x).mul(g).sumNumber().doubleValue();
    double rhs = x.mul(rope.applyBackward(g)).sumNumber().doubleValue();
    assertEquals(lhs, rhs, 1e-12 * Math.max(1.0, Math.abs(lhs)));
    assertArrayEquals(gBefore, vec(g), 0.0, "applyBackward must not modify its input");

    // And as a gradient: central differences of sum(apply(x) * g) along a few coordinates.
    INDArray grad = rope.applyBackward(g);
    double eps = 1e-6;
    long[][] coords = {{0, 0, 0, 0}, {1, 20, 2, 5}, {0, 7, 1, 2}, {1, 13, 0, 3}};
    for (long[] c : coords) {
      INDArray xp = x.dup();
      xp.putScalar(c, x.getDouble(c) + eps);
      INDArray xm = x.dup();
      xm.putScalar(c, x.getDouble(c) - eps);
      double fd = (rope.apply(xp).mul(g).sumNumber().doubleValue()
          - rope.apply(xm).mul(g).sumNumber().doubleValue()) / (2 * eps);
      assertEquals(fd, grad.getDouble(c), 1e-7);
    }
  }

  @Test
  void isSafeAcrossThreads() throws InterruptedException {
    Rope rope = Rope.of(8, 10000.0);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int id = i;
      Thread t = new Thread(() -> {
        try {
          for (int rep = 0; rep < 5; rep++) {
            int length = 3 + 7 * ((id + rep) % 4);
            DataType type = (id + rep) % 2 == 0 ? DataType.DOUBLE : DataType.FLOAT;
            INDArray x = random(100 * id + rep, type, 1, length, 2, 8);
            double tol = type == DataType.DOUBLE ? 1e-13 : 1e-5;
            double err = maxAbsDiff(vec(rope.apply(x)), reference(x, 10000.0, false));
            if (!(err < tol)) {
              throw new AssertionError("thread " + id + " length " + length + " error " + err);
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "rope-test-" + i);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }

  @Test
  void rejectsBadArguments() {
    IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> Rope.of(7, 10000.0));
    assertTrue(odd.getMessage().contains("headDim"), odd.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Rope.of(0, 10000.0));
    assertThrows(IllegalArgumentException.class, () -> Rope.of(-2, 10000.0));
    IllegalArgumentException th = assertThrows(IllegalArgumentException.class, () -> Rope.of(4, 0.0));
    assertTrue(th.getMessage().contains("theta"), th.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Rope.of(4, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Rope.of(4, Double.POSITIVE_INFINITY));

    Rope rope = Rope.of(4, 10000.0);
    IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
        () -> rope.apply(Nd4j.zeros(DataType.FLOAT, 2, 3, 4)));
    assertTrue(rank.getMessage().contains("x") && rank.getMessage().contains("[2, 3, 4]"), rank.getMessage());
    IllegalArgumentException last = assertThrows(IllegalArgumentException.class,
        () -> rope.applyBackward(Nd4j.zeros(DataType.FLOAT, 1, 3, 2, 6)));
    assertTrue(last.getMessage().contains("dy") && last.getMessage().contains("[1, 3, 2, 6]"), last.getMessage());
    assertThrows(IllegalArgumentException.class, () -> rope.apply(Nd4j.zeros(DataType.INT32, 1, 3, 2, 4)));
    assertThrows(IllegalArgumentException.class, () -> rope.apply(null));
  }

  @Test
  void anOffsetRotatesAtAbsolutePositions() {
    for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      Rope rope = Rope.of(8, 10000.0);
      INDArray x = random(21, type, 1, 40, 2, 8);
      INDArray whole = rope.apply(x);
      for (int offset : new int[] {1, 7, 33}) {
        INDArray piece = x.get(NDArrayIndex.all(), NDArrayIndex.interval(offset, 40), NDArrayIndex.all(),
            NDArrayIndex.all()).dup('c');
        INDArray expected = whole.get(NDArrayIndex.all(), NDArrayIndex.interval(offset, 40), NDArrayIndex.all(),
            NDArrayIndex.all());
        assertArrayEquals(vec(expected), vec(rope.apply(piece, offset)), 0.0, type + " offset " + offset);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> Rope.of(8, 1e4).apply(Nd4j.zeros(DataType.DOUBLE, 1, 2, 1, 8), -1));
  }
}
