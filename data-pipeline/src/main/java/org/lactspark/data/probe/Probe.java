package org.lactspark.data.probe;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lactspark.data.tokenize.Tokenizer;

/**
 * A synthetic long-context evaluation task: a seeded generator of examples of at most
 * {@link #length()} tokens whose answers are marked as spans. Implementations are immutable
 * records whose {@code toString()} names every parameter (it is recorded in a probe dataset's
 * manifest).
 */
public interface Probe {
  /** The split name of this probe's examples, e.g. {@code niah-L4096-d0.50}: a plain file name. */
  String name();

  /** Tokens per example at most: examples fill up to it without exceeding it. */
  int length();

  /**
   * The example for {@code seed} in {@code tokenizer}'s tokens (the same arguments always give the
   * same example).
   *
   * @throws IllegalArgumentException naming the parameter when the task does not fit in
   *     {@link #length()} tokens of this tokenizer
   */
  ProbeExample generate(Tokenizer tokenizer, long seed);

  /**
   * The probe a split name stands for: {@code niah-L<length>-d<depth>} is a
   * {@link NeedleInHaystack} in the neutral haystack; {@code mqar-L<length>-k<pairs>[-d<depth>]}
   * is a {@link KeyValueRecall} with {@link KeyValueRecall#mqar its defaults}.
   *
   * @throws IllegalArgumentException for any other name, or parameters out of range
   */
  static Probe parse(String name) {
    Matcher niah = Pattern.compile("niah-L(\\d{1,9})-d(\\d(?:\\.\\d+)?)").matcher(name);
    if (niah.matches()) {
      return new NeedleInHaystack(Integer.parseInt(niah.group(1)), Double.parseDouble(niah.group(2)));
    }
    Matcher mqar = Pattern.compile("mqar-L(\\d{1,9})-k(\\d{1,9})(?:-d(\\d(?:\\.\\d+)?))?").matcher(name);
    if (mqar.matches()) {
      double depth = mqar.group(3) == null ? 0.0 : Double.parseDouble(mqar.group(3));
      return KeyValueRecall.mqar(Integer.parseInt(mqar.group(1)), Integer.parseInt(mqar.group(2)), depth);
    }
    throw new IllegalArgumentException("probe '" + name
        + "': expected niah-L<length>-d<depth> or mqar-L<length>-k<pairs>[-d<depth>], e.g. niah-L4096-d0.50");
  }
}
