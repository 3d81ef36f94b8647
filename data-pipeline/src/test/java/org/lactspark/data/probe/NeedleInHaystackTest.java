package org.lactspark.data.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.tokenize.ByteTokenizer;
import org.lactspark.data.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The needle-in-a-haystack probe: its answer, the needle's depth, lengths in two tokenizers, checks. */
class NeedleInHaystackTest {
  private static final Tokenizer BYTES = new ByteTokenizer(false, false);
  private static final Pattern QUESTION = Pattern.compile("\nWhat is the special magic number for ([a-z]+-[a-z]+) "
      + "mentioned in the provided text\\? The special magic number for \\1 mentioned in the provided text is$");

  static Stream<Arguments> tokenizersAndDepths() {
    return Stream.of(BYTES, WordTokenizer.forProbes(false), new ByteTokenizer(true, true))
        .flatMap(t -> Stream.of(0.0, 0.1, 0.25, 0.5, 0.77, 1.0).map(d -> Arguments.of(t, d)));
  }

  @ParameterizedTest
  @MethodSource("tokenizersAndDepths")
  void theAnswerIsTheNeedlesNumberAndTheNeedleSitsAtTheDepth(Tokenizer tokenizer, double depth) {
    int length = 1500;
    ProbeExample e = new NeedleInHaystack(length, depth).generate(tokenizer, 7);
    int[] t = e.tokens();
    assertEquals(1, e.answerSpans().size());
    PackedSequence.Span span = e.answerSpans().get(0);
    String answer = tokenizer.decode(Arrays.copyOfRange(t, span.start(), span.end()));
    assertTrue(answer.matches(" [1-9][0-9]{6}"), answer);
    assertEquals(List.of(answer), e.answers());
    int end = tokenizer.eosId() >= 0 ? t.length - 1 : t.length;
    assertEquals(end, span.end(), "the answer ends the text");
    String before = tokenizer.decode(Arrays.copyOf(t, span.start()));
    Matcher q = QUESTION.matcher(before);
    assertTrue(q.find(), before);
    String needle = " One of the special magic numbers for " + q.group(1) + " is:" + answer + ".";
    int needleAt = before.indexOf(needle);
    assertTrue(needleAt > 0 && before.indexOf(needle, needleAt + 1) < 0, "one needle: " + before);
    assertEquals(answer, tokenizer.decode(Arrays.copyOfRange(t, e.sources()[0], e.sources()[0] + span.length())),
        "the source is the needle's number");
    Offsets o = new Offsets(tokenizer, t);
    int hayStart = o.token(NeedleInHaystack.INSTRUCTION.length());
    int needleStart = o.token(needleAt);
    int needleEnd = o.token(needleAt + needle.length());
    int hayEnd = o.token(q.start());
    int haystack = hayEnd - hayStart - (needleEnd - needleStart);
    int longest = longestSentence(tokenizer);
    assertTrue(Math.abs(needleStart - hayStart - depth * haystack) <= longest / 2.0 + 1,
        "needle at " + (needleStart - hayStart) + " of " + haystack + " haystack tokens, depth " + depth);
    assertTrue(before.substring(0, needleAt).endsWith("."), "at a sentence boundary");
    assertTrue(before.startsWith(".", needleAt + needle.length() - 1)
        && (before.startsWith(" ", needleAt + needle.length()) || before.startsWith("\n", needleAt + needle.length())));
    assertTrue(t.length <= length && t.length > length - longest, t.length + " tokens for " + length);
  }

  /** Token offsets of character offsets, for tokenizers whose tokens decode to whole characters. */
  private static final class Offsets {
    private final int[] charEnd;

    Offsets(Tokenizer tokenizer, int[] tokens) {
      charEnd = new int[tokens.length + 1];
      for (int i = 0; i < tokens.length; i++) {
        charEnd[i + 1] = charEnd[i] + tokenizer.decode(new int[] {tokens[i]}).length();
      }
    }

    /** The index of the token that starts at character {@code c}. */
    int token(int c) {
      for (int i = 0; i < charEnd.length; i++) {
        if (charEnd[i] == c && (i == charEnd.length - 1 || charEnd[i + 1] > c)) {
          return i;
        }
      }
      throw new AssertionError("no token starts at character " + c);
    }
  }

  private static int longestSentence(Tokenizer tokenizer) {
    return Haystack.NEUTRAL.sentences().stream().mapToInt(s -> tokenizer.encode(" " + s).length).max().orElseThrow();
  }

  @Test
  void segmentWiseTokensAreTheWholeTextsEvenWithADummyPrefixOnEveryInput() {
    for (WordTokenizer w : List.of(WordTokenizer.forProbes(false), WordTokenizer.forProbes(true))) {
      int[] t = new NeedleInHaystack(800, 0.4).generate(w, 3).tokens();
      assertArrayEquals(w.encode(w.decode(t)), t, w.name());
      assertTrue(t.length < w.decode(t).length() / 2, "words are single tokens: " + t.length);
    }
    int[] prefixed = new NeedleInHaystack(800, 0.4).generate(WordTokenizer.forProbes(true), 3).tokens();
    assertEquals(1, Arrays.stream(prefixed).filter(id -> id == WordTokenizer.forProbes(true).vocabSize() - 1).count(),
        "one dummy prefix, at the start");
  }

  @Test
  void theHaystackIsTheCallersTextWhenGiven() {
    Haystack essay = Haystack.fromText("First thought here.  Second one!\nThird, on a new line? Fourth\n\nfifth.");
    assertEquals(List.of("First thought here.", "Second one!", "Third, on a new line?", "Fourth", "fifth."),
        essay.sentences());
    assertTrue(essay.name().matches("text-sha256:[0-9a-f]{64}"), essay.name());
    assertTrue(essay.toString().endsWith(", 5 sentences]"), essay.toString());
    ProbeExample e = new NeedleInHaystack(600, 0.5, essay).generate(BYTES, 1);
    String text = BYTES.decode(e.tokens());
    assertTrue(text.startsWith(NeedleInHaystack.INSTRUCTION + " First thought here. Second one! Third, on a new line? "
        + "Fourth fifth. First thought here."), text);
    assertTrue(!text.contains("grass"));
    assertThrows(IllegalArgumentException.class, () -> Haystack.fromText(" \n "));
  }

  @Test
  void sameSeedSameExampleOtherSeedOtherKeyAndNumber() {
    NeedleInHaystack p = new NeedleInHaystack(400, 0.5);
    assertEquals(p.generate(BYTES, 11), p.generate(BYTES, 11));
    assertNotEquals(p.generate(BYTES, 11).answers(), p.generate(BYTES, 12).answers());
    assertEquals("niah-L400-d0.50", p.name());
    assertEquals("niah-L4096-d0.05", new NeedleInHaystack(4096, 0.05).name());
  }

  @Test
  void badConfigurationsNameTheParameter() {
    assertMessage("length = 0: must be >= 1", () -> new NeedleInHaystack(0, 0.5));
    assertMessage("depth = 1.5: must be within [0, 1]", () -> new NeedleInHaystack(100, 1.5));
    assertMessage("depth = NaN: must be within [0, 1]", () -> new NeedleInHaystack(100, Double.NaN));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new NeedleInHaystack(200, 0.5).generate(BYTES, 1));
    assertTrue(e.getMessage().matches("length = 200: must be >= \\d+ to hold the instruction, the needle and the "
        + "question in tokens of byte"), e.getMessage());
    assertMessage("haystack x: sentence 1 must be non-blank, trimmed and on one line: ' b'",
        () -> new Haystack("x", List.of("a", " b")));
  }

  static void assertMessage(String expected, org.junit.jupiter.api.function.Executable code) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, code).getMessage());
  }
}
