package org.lactspark.data.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.tokenize.Tokenizer;

/**
 * A probe's token sequence, built from text segments encoded one at a time, so every segment, and
 * the answers among them, occupies an exact token range. Each segment is encoded after the last
 * character of the text before it, whose tokens are then dropped when they form a prefix of the
 * result: the segment gets the tokens it would get in context, and a tokenizer that marks the start
 * of every input (SentencePiece's dummy prefix) does not mark every segment. Where the tokenizer
 * would have merged across the edge, the prefix check fails and the segment is encoded alone.
 *
 * <p>Encodings are cached by context and text, so repeated filler costs one encoding; one instance
 * serves one example (the cache lives as long as it). Not thread-safe.
 */
final class TokenText {
  private final Tokenizer tokenizer;
  private final Map<String, int[]> cache = new HashMap<>();
  private int[] tokens = new int[256];
  private int size;
  private String context = "";
  private final List<PackedSequence.Span> answers = new ArrayList<>();
  private final List<String> answerTexts = new ArrayList<>();

  TokenText(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** Starts over (keeping the cache), for another layout of the same example. */
  TokenText clear() {
    size = 0;
    context = "";
    answers.clear();
    answerTexts.clear();
    return this;
  }

  /** The tokenizer's name, for messages. */
  String tokenizerName() {
    return tokenizer.name();
  }

  /** The tokens so far. */
  int length() {
    return size;
  }

  /** Appends the tokenizer's document-start marker, if it has one. */
  void begin() {
    if (tokenizer.bosId() >= 0) {
      push(new int[] {tokenizer.bosId()});
    }
  }

  /** Appends the tokenizer's document-end marker, if it has one. */
  void end() {
    if (tokenizer.eosId() >= 0) {
      push(new int[] {tokenizer.eosId()});
    }
  }

  /** Appends a segment; returns the index of its first token. */
  int add(String text) {
    int start = size;
    push(tokensOf(context, text));
    context = text.isEmpty() ? context : lastCharacter(text);
    return start;
  }

  /** Appends a segment that is an answer, and records its span and text. */
  PackedSequence.Span addAnswer(String text) {
    PackedSequence.Span span = new PackedSequence.Span(add(text), size);
    answers.add(span);
    answerTexts.add(text);
    return span;
  }

  /** How many tokens {@code text} takes after the text that ends with {@code before}. */
  int count(String before, String text) {
    return tokensOf(lastCharacter(before), text).length;
  }

  /** The finished example, with {@code sources} for its answers. */
  ProbeExample example(int[] sources) {
    return new ProbeExample(Arrays.copyOf(tokens, size), answers, answerTexts, sources);
  }

  private int[] tokensOf(String before, String text) {
    return cache.computeIfAbsent(before + '\u0000' + text, k -> encode(before, text));
  }

  private int[] encode(String before, String text) {
    int[] ids = before.isEmpty() ? tokenizer.encode(text) : inContext(before, text);
    if (ids.length == 0) {
      throw new IllegalArgumentException("tokenizer " + tokenizer.name() + " encodes the probe text '" + text
          + "' to no tokens");
    }
    return ids;
  }

  private int[] inContext(String before, String text) {
    int[] prefix = tokenizer.encode(before);
    int[] both = tokenizer.encode(before + text);
    if (both.length > prefix.length && Arrays.equals(prefix, 0, prefix.length, both, 0, prefix.length)) {
      return Arrays.copyOfRange(both, prefix.length, both.length);
    }
    return tokenizer.encode(text);
  }

  private static String lastCharacter(String text) {
    return text.isEmpty() ? "" : text.substring(text.offsetByCodePoints(text.length(), -1));
  }

  private void push(int[] ids) {
    if (size + ids.length > tokens.length) {
      tokens = Arrays.copyOf(tokens, Math.max(2 * tokens.length, size + ids.length));
    }
    System.arraycopy(ids, 0, tokens, size, ids.length);
    size += ids.length;
  }
}
