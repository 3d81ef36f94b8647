package org.lactspark.data.probe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lactspark.data.tokenize.Tokenizer;

/**
 * A second tokenizer for the tests, unlike bytes: text splits into pieces (a word with the white
 * space before it, one digit, one punctuation mark, trailing white space), each known piece is one
 * token (ids from 256) and any other falls back to its UTF-8 bytes (ids 0-255), as BPE vocabularies
 * with byte fallback do. Optionally it marks the start of every input, as SentencePiece's dummy
 * prefix does, which segment-wise encoding must not repeat for every segment.
 */
final class WordTokenizer implements Tokenizer {
  private static final Pattern PIECE = Pattern.compile("\\s*[A-Za-z]+|\\s*[0-9]|\\s*[^A-Za-z0-9\\s]|\\s+");
  private final List<String> pieces = new ArrayList<>();
  private final Map<String, Integer> ids = new HashMap<>();
  private final int prefix;

  /** Pieces of {@code vocabulary} become tokens; {@code dummyPrefix} puts a marker before every input. */
  WordTokenizer(String vocabulary, boolean dummyPrefix) {
    for (String p : split(vocabulary)) {
      if (!ids.containsKey(p)) {
        ids.put(p, 256 + pieces.size());
        pieces.add(p);
      }
    }
    this.prefix = dummyPrefix ? 256 + pieces.size() : -1;
  }

  /** A vocabulary of the needle probe's words and the neutral haystack. */
  static WordTokenizer forProbes(boolean dummyPrefix) {
    return new WordTokenizer(NeedleInHaystack.INSTRUCTION + " " + String.join(" ", Haystack.NEUTRAL.sentences())
        + " One of the special magic numbers for is: What is the special magic number for mentioned in the provided "
        + "text? The special magic number for mentioned in the provided text is\nWhat", dummyPrefix);
  }

  private static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = PIECE.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  @Override
  public String name() {
    return "test-words" + (prefix >= 0 ? "+prefix" : "");
  }

  @Override
  public int vocabSize() {
    return 256 + pieces.size() + (prefix >= 0 ? 1 : 0);
  }

  @Override
  public int bosId() {
    return -1;
  }

  @Override
  public int eosId() {
    return -1;
  }

  @Override
  public int[] encode(String text) {
    List<Integer> out = new ArrayList<>();
    if (prefix >= 0) {
      out.add(prefix);
    }
    for (String p : split(text)) {
      Integer id = ids.get(p);
      if (id != null) {
        out.add(id);
      } else {
        for (byte b : p.getBytes(StandardCharsets.UTF_8)) {
          out.add(Byte.toUnsignedInt(b));
        }
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public String decode(int[] tokens) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int id : tokens) {
      if (id != prefix) {
        out.writeBytes(id < 256 ? new byte[] {(byte) id} : pieces.get(id - 256).getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
