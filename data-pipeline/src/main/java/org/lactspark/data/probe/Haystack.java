package org.lactspark.data.probe;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The filler text of a needle-in-a-haystack probe: sentences used in order and repeated from the
 * first when they run out, each a segment of its own, so the needle can go between any two.
 *
 * @param name what the haystack is, for the probe's description (a dataset manifest records it)
 * @param sentences its sentences, each trimmed and on one line
 */
public record Haystack(String name, List<String> sentences) {
  /** RULER's "repeat" haystack: neutral sentences that say nothing a needle could be confused with. */
  public static final Haystack NEUTRAL = new Haystack("neutral", List.of("The grass is green.", "The sky is blue.",
      "The sun is yellow.", "Here we go.", "There and back again."));

  /** Checks the name and the sentences, and copies the list. */
  public Haystack {
    if (name.isBlank()) {
      throw new IllegalArgumentException("haystack name must not be blank");
    }
    sentences = List.copyOf(sentences);
    if (sentences.isEmpty()) {
      throw new IllegalArgumentException("haystack " + name + ": no sentences");
    }
    for (int i = 0; i < sentences.size(); i++) {
      String s = sentences.get(i);
      if (s.isBlank() || !s.equals(s.strip()) || s.contains("\n") || s.contains("\r")) {
        throw new IllegalArgumentException("haystack " + name + ": sentence " + i
            + " must be non-blank, trimmed and on one line: '" + s + "'");
      }
    }
  }

  /**
   * A haystack of the caller's text (an essay, a book): split into sentences after {@code .},
   * {@code !} or {@code ?} followed by white space, and at line breaks; white space inside a
   * sentence becomes one space. Named by the SHA-256 of the text, so a manifest identifies it.
   *
   * @throws IllegalArgumentException if the text holds no sentence
   */
  public static Haystack fromText(String text) {
    List<String> sentences = new ArrayList<>();
    for (String s : text.split("(?<=[.!?])\\s+|\\s*\\R\\s*")) {
      String clean = s.replaceAll("\\s+", " ").strip();
      if (!clean.isEmpty()) {
        sentences.add(clean);
      }
    }
    return new Haystack("text-sha256:" + sha256(text), sentences);
  }

  private static String sha256(String text) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** Sentence {@code i} of the endless repetition. */
  String sentence(long i) {
    return sentences.get((int) (i % sentences.size()));
  }

  /** The name and the number of sentences (not the text, which may be a book). */
  @Override
  public String toString() {
    return "Haystack[" + name + ", " + sentences.size() + " sentences]";
  }
}
