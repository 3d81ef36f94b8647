package org.lactspark.kernel.reference;

/**
 * A small dense row-major float64 matrix with the handful of operations the reference needs. Every
 * operation returns a new matrix unless its name ends in {@code InPlace}.
 */
final class Mat {
  final int rows;
  final int cols;
  final double[] a;

  Mat(int rows, int cols) {
    this(rows, cols, new double[rows * cols]);
  }

  Mat(int rows, int cols, double[] a) {
    if (a.length != rows * cols) {
      throw new IllegalArgumentException("array length " + a.length + " != " + rows + "x" + cols);
    }
    this.rows = rows;
    this.cols = cols;
    this.a = a;
  }

  /** Copies {@code rows x cols} values starting at {@code offset} of a row-major array. */
  static Mat copyOf(double[] src, int offset, int rows, int cols) {
    double[] a = new double[rows * cols];
    System.arraycopy(src, offset, a, 0, a.length);
    return new Mat(rows, cols, a);
  }

  double get(int i, int j) {
    return a[i * cols + j];
  }

  Mat copy() {
    return new Mat(rows, cols, a.clone());
  }

  /** {@code this * y}. */
  Mat mul(Mat y) {
    check(cols == y.rows, "mul", y);
    Mat out = new Mat(rows, y.cols);
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < cols; k++) {
        double x = a[i * cols + k];
        for (int j = 0; j < y.cols; j++) {
          out.a[i * y.cols + j] += x * y.a[k * y.cols + j];
        }
      }
    }
    return out;
  }

  /** {@code this^T * y}. */
  Mat mulTA(Mat y) {
    return transpose().mul(y);
  }

  /** {@code this * y^T}. */
  Mat mulTB(Mat y) {
    return mul(y.transpose());
  }

  Mat transpose() {
    Mat out = new Mat(cols, rows);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        out.a[j * rows + i] = a[i * cols + j];
      }
    }
    return out;
  }

  Mat plus(Mat y) {
    checkSame(y, "plus");
    Mat out = copy();
    out.addInPlace(y, 1.0);
    return out;
  }

  /** {@code this += s * y}. */
  void addInPlace(Mat y, double s) {
    checkSame(y, "addInPlace");
    for (int i = 0; i < a.length; i++) {
      a[i] += s * y.a[i];
    }
  }

  Mat times(double s) {
    Mat out = new Mat(rows, cols);
    for (int i = 0; i < a.length; i++) {
      out.a[i] = s * a[i];
    }
    return out;
  }

  /** Elementwise product. */
  Mat hadamard(Mat y) {
    checkSame(y, "hadamard");
    Mat out = new Mat(rows, cols);
    for (int i = 0; i < a.length; i++) {
      out.a[i] = a[i] * y.a[i];
    }
    return out;
  }

  /** Row {@code i} multiplied by {@code s[i]}. */
  Mat scaleRows(double[] s) {
    Mat out = new Mat(rows, cols);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        out.a[i * cols + j] = s[i] * a[i * cols + j];
      }
    }
    return out;
  }

  /** The dot product of row {@code i} of this and of {@code y}, for every row. */
  double[] rowDots(Mat y) {
    checkSame(y, "rowDots");
    double[] out = new double[rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        out[i] += a[i * cols + j] * y.a[i * cols + j];
      }
    }
    return out;
  }

  double[] rowNorms() {
    double[] d = rowDots(this);
    for (int i = 0; i < d.length; i++) {
      d[i] = Math.sqrt(d[i]);
    }
    return d;
  }

  double dot(Mat y) {
    checkSame(y, "dot");
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * y.a[i];
    }
    return s;
  }

  double frobenius() {
    return Math.sqrt(dot(this));
  }

  /** Applies {@code f} to every element. */
  Mat map(java.util.function.DoubleUnaryOperator f) {
    Mat out = new Mat(rows, cols);
    for (int i = 0; i < a.length; i++) {
      out.a[i] = f.applyAsDouble(a[i]);
    }
    return out;
  }

  private void checkSame(Mat y, String op) {
    check(rows == y.rows && cols == y.cols, op, y);
  }

  private void check(boolean ok, String op, Mat y) {
    if (!ok) {
      throw new AssertionError(op + ": " + rows + "x" + cols + " vs " + y.rows + "x" + y.cols);
    }
  }
}
