package org.lactspark.kernel;

/**
 * Gradients of a scalar outer loss with respect to every input of the LaCT op, in the shapes of
 * {@link LactInputs}. {@code momentum} is null when the op ran without momentum. There is no
 * gradient for the write mask, which is not differentiable.
 */
public record LactGradients(
    HostTensor w0,
    HostTensor w1,
    HostTensor w2,
    HostTensor q,
    HostTensor k,
    HostTensor v,
    HostTensor lr0,
    HostTensor lr1,
    HostTensor lr2,
    HostTensor momentum) {

  /**
   * The gradient named as in the golden vectors ({@code w0 ... momentum}).
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public HostTensor byName(String name) {
    return switch (name) {
      case "w0" -> w0;
      case "w1" -> w1;
      case "w2" -> w2;
      case "q" -> q;
      case "k" -> k;
      case "v" -> v;
      case "lr0" -> lr0;
      case "lr1" -> lr1;
      case "lr2" -> lr2;
      case "momentum" -> momentum;
      default -> throw new IllegalArgumentException("no gradient named '" + name + "'");
    };
  }
}
