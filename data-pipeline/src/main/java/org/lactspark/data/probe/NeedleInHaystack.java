package org.lactspark.data.probe;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.lactspark.data.tokenize.Tokenizer;

/**
 * A single needle in a haystack (S-NIAH-style, after the RULER benchmark's S-NIAH tasks), written
 * as text and tokenised with any {@link Tokenizer}: RULER's instruction, then the haystack's
 * sentences with the needle {@code One of the special magic numbers for {key} is: {number}.}
 * between two of them at {@code depth}, then the question {@code What is the special magic number
 * for {key} mentioned in the provided text? The special magic number for {key} mentioned in the
 * provided text is} and the answer {@code " {number}"}, the one answer span. The key is an
 * adjective-noun pair and the number has seven digits, both drawn from the seed.
 *
 * <p>Depth is measured in the haystack's tokens: the needle goes to the sentence boundary nearest
 * {@code depth} of them (0 = before the first sentence, 1 = after the last). The haystack holds as
 * many whole sentences as fit in {@code length} with the rest, so an example falls short of
 * {@code length} by less than one sentence.
 *
 * <p>Every segment after the instruction starts with a space or a line break and is encoded after
 * its left context ({@link TokenText}), so the answer is an exact token range. Encoding segment by
 * segment can differ from encoding the whole text where a BPE merge would cross a segment's edge;
 * here every edge is a space or line break after a word or punctuation, where byte-level BPE
 * pre-tokenisers (GPT-2, Llama 3) split anyway and SentencePiece pieces end, so the tokens are the
 * whole text's. The exception is a pre-tokeniser that glues a line break to the punctuation before
 * it: the question's first token or two may then differ, which does not touch the answer.
 *
 * @param length tokens per example at most
 * @param depth where the needle goes, as a fraction of the haystack, in {@code [0, 1]}
 * @param haystack the filler sentences
 */
public record NeedleInHaystack(int length, double depth, Haystack haystack) implements Probe {
  /** RULER's instruction before the haystack. */
  static final String INSTRUCTION = "Some special magic numbers are hidden within the following text. Make sure to "
      + "memorize it. I will quiz you about the numbers afterwards.";
  private static final List<String> ADJECTIVES = List.of("amber", "brave", "calm", "dusty", "eager", "fancy",
      "gentle", "hollow", "icy", "jolly", "kind", "lively", "misty", "noble", "odd", "plain", "quiet", "rapid",
      "silent", "tidy", "upper", "vivid", "wise", "young", "zesty", "bold", "crisp", "deep", "early", "fresh",
      "grand", "humble");
  private static final List<String> NOUNS = List.of("anchor", "basket", "candle", "dragon", "engine", "falcon",
      "garden", "harbor", "island", "jacket", "kettle", "ladder", "meadow", "needle", "orchard", "pencil",
      "quarry", "river", "saddle", "tunnel", "umbrella", "valley", "window", "yard", "zebra", "bridge", "castle",
      "desert", "forest", "glacier", "hammer", "lantern");

  /** Validates every field, naming it. Whether the texts fit in {@code length} depends on the tokenizer. */
  public NeedleInHaystack {
    Params.atLeast("length", length, 1);
    Params.fraction("depth", depth);
    Objects.requireNonNull(haystack, "haystack");
  }

  /** The probe in the {@link Haystack#NEUTRAL neutral} haystack. */
  public NeedleInHaystack(int length, double depth) {
    this(length, depth, Haystack.NEUTRAL);
  }

  /** {@code niah-L<length>-d<depth>}, the depth with two decimals. */
  @Override
  public String name() {
    return "niah-L" + length + "-d" + Params.depth(depth);
  }

  @Override
  public ProbeExample generate(Tokenizer tokenizer, long seed) {
    Random rnd = new Random(seed);
    String key = ADJECTIVES.get(rnd.nextInt(ADJECTIVES.size())) + "-" + NOUNS.get(rnd.nextInt(NOUNS.size()));
    String number = Integer.toString(1_000_000 + rnd.nextInt(9_000_000));
    return new Layout(new TokenText(tokenizer), key, number).fit();
  }

  /** One example's text laid out in tokens: the first sentences of the haystack, the needle among them. */
  private final class Layout {
    private final TokenText text;
    private final String key;
    private final String number;
    private int source;

    Layout(TokenText text, String key, String number) {
      this.text = text;
      this.key = key;
      this.number = number;
    }

    /** The most sentences that fit, the needle at the boundary nearest {@code depth}. */
    ProbeExample fit() {
      int fixed = assemble(0, 0);
      if (fixed > length) {
        throw new IllegalArgumentException("length = " + length + ": must be >= " + fixed
            + " to hold the instruction, the needle and the question in tokens of " + text.tokenizerName());
      }
      int[] bounds = boundaries(length - fixed);
      for (int sentences = bounds.length - 1; ; sentences--) {
        // a tokenizer that merges across the needle's edges may need a sentence less
        if (assemble(sentences, nearest(bounds, sentences)) <= length) {
          return text.example(new int[] {source});
        }
      }
    }

    /** Token offsets of the boundaries between the sentences that fit in {@code budget}: 0 first. */
    private int[] boundaries(int budget) {
      int[] bounds = new int[16];
      int count = 1;
      String before = INSTRUCTION;
      for (long i = 0; ; i++) {
        String sentence = haystack.sentence(i);
        int next = bounds[count - 1] + text.count(before, " " + sentence);
        if (next > budget) {
          return Arrays.copyOf(bounds, count);
        }
        if (count == bounds.length) {
          bounds = Arrays.copyOf(bounds, 2 * count);
        }
        bounds[count++] = next;
        before = sentence;
      }
    }

    /** The boundary among the first {@code sentences + 1} nearest {@code depth} of the haystack. */
    private int nearest(int[] bounds, int sentences) {
      double target = depth * bounds[sentences];
      int best = 0;
      for (int j = 1; j <= sentences; j++) {
        if (Math.abs(bounds[j] - target) < Math.abs(bounds[best] - target)) {
          best = j;
        }
      }
      return best;
    }

    /** Lays the example out with {@code sentences} haystack sentences, the needle after {@code at}; its length. */
    private int assemble(int sentences, int at) {
      text.clear().begin();
      text.add(INSTRUCTION);
      for (int i = 0; i < sentences; i++) {
        if (i == at) {
          needle();
        }
        text.add(" " + haystack.sentence(i));
      }
      if (at == sentences) {
        needle();
      }
      text.add("\nWhat is the special magic number for " + key + " mentioned in the provided text? The special "
          + "magic number for " + key + " mentioned in the provided text is");
      text.addAnswer(" " + number);
      text.end();
      return text.length();
    }

    private void needle() {
      text.add(" One of the special magic numbers for " + key + " is:");
      source = text.add(" " + number);
      text.add(".");
    }
  }
}
