package org.lactspark.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face tokenizer on hand-written tokenizer.json files (test resources {@code
 * tokenize/}); each expected id list is worked out from the file's vocabulary and merges in the
 * test's comment.
 */
class HuggingFaceTokenizerTest {

  static byte[] resource(String name) {
    try (InputStream in = HuggingFaceTokenizerTest.class.getResourceAsStream("/tokenize/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource tokenize/" + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static HuggingFaceTokenizer load(String file, boolean bos, boolean eos) {
    return HuggingFaceTokenizer.load(file.replace(".json", ""), resource(file), bos, eos, null, null);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void wordLevelGivesVocabularyIdsWithoutTheFilesSpecialTokensTruncationOrPadding() {
    // Whitespace pre-tokenizer splits \w+|[^\w\s]+: "the cat sat." -> the, cat, sat, "." = 3, 4, 5, 6;
    // "dog" is not in the vocabulary -> [UNK] = 0. The file truncates to 2 and pads to 8, and its
    // post-processor wraps in <s> (7) ... </s> (8): none of that may happen.
    try (HuggingFaceTokenizer t = load("wordlevel.json", false, false)) {
      assertArrayEquals(new int[] {3, 4, 5, 6}, t.encode("the cat sat."));
      assertArrayEquals(new int[] {1, 0, 2}, t.encode("hello dog world"));
      assertArrayEquals(new int[0], t.encode(""));
      // WordLevel has no decoder: the library joins tokens with spaces
      assertEquals("hello world", t.decode(t.encode("hello world")));
      assertEquals("hf:wordlevel", t.name());
      assertEquals(9, t.vocabSize()); // model ids 0..6, added tokens 7 and 8
    }
  }

  @Test
  void theFilesPostProcessorWouldAddMarkersSoLeavingThemOutIsMeaningful() throws IOException {
    DjlTokenizerSetup.prepare();
    Map<String, String> options = Map.of("truncation", "false", "padding", "false");
    try (ai.djl.huggingface.tokenizers.HuggingFaceTokenizer raw = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer
        .newInstance(new ByteArrayInputStream(resource("wordlevel.json")), options)) {
      long[] withSpecials = raw.encode("the cat", true, false).getIds();
      assertArrayEquals(new long[] {7, 3, 4, 8}, withSpecials);
    }
  }

  @Test
  void llamaStyleBpeMergesByRankAndFallsBackToBytes() {
    // Normalizer: prepend "▁", spaces to "▁": "lower newest" -> "▁lower▁newest", one BPE word.
    // Merges by rank: ▁ l (0) -> ▁l; ▁l o (1) -> ▁lo; ▁lo w (2) -> ▁low; e r (3) -> er;
    // ▁ n (4) -> ▁n; ▁n e (5) -> ▁ne; ▁ne w (6) -> ▁new; e s (7) -> es; es t (8) -> est.
    // Tokens ▁low er ▁new est = 16 17 20 22. "é" is not in the vocabulary: byte fallback gives
    // its UTF-8 bytes <0xC3> <0xA9> = 3 4 after "▁" = 5.
    try (HuggingFaceTokenizer t = load("llama-bpe.json", false, false)) {
      assertArrayEquals(new int[] {16, 17, 20, 22}, t.encode("lower newest"));
      assertArrayEquals(new int[] {5, 3, 4}, t.encode("é"));
      assertEquals("lower newest", t.decode(t.encode("lower newest")));
      assertEquals("é", t.decode(new int[] {5, 3, 4}));
      assertEquals(23, t.vocabSize());
    }
  }

  @Test
  void gpt2StyleByteLevelBpe() {
    // ByteLevel pre-tokenizer: GPT-2 regex splits "hi there" into "hi", " there", bytes mapped to
    // printable chars (space -> Ġ). "hi": h i -> hi (rank 0) = 8. "Ġthere": Ġ t (1) -> Ġt; h e (2)
    // -> he; Ġt he (3) -> Ġthe; r e (4) -> re; Ġthe re (5) -> Ġthere = 13. "hé" is one word; é is
    // bytes C3 A9 -> chars Ã ©, merged by Ã © (6) -> Ã© = 14, after h = 0.
    try (HuggingFaceTokenizer t = load("gpt2-bytelevel.json", false, false)) {
      assertArrayEquals(new int[] {8, 13}, t.encode("hi there"));
      assertArrayEquals(new int[] {0, 14}, t.encode("hé"));
      assertEquals("hi there", t.decode(new int[] {8, 13}));
      assertEquals("hé there", t.decode(t.encode("hé there")));
      // an added token written in the text is that token, as in the Python library
      assertArrayEquals(new int[] {8, 15}, t.encode("hi<|endoftext|>"));
      assertEquals(17, t.vocabSize()); // model ids 0..15, added <|pad|> = 16
    }
  }

  @Test
  void unigramPicksTheBestScoringSegmentation() {
    // Metaspace: "ab ab" -> "▁ab", "▁ab". Scores: ▁ab = -1.0 beats ▁+ab = -4.5 and ▁+a+b = -8, so
    // 4, 4. "ba" -> "▁ba": only ▁ b a = 1 3 2.
    try (HuggingFaceTokenizer t = load("unigram.json", false, false)) {
      assertArrayEquals(new int[] {4, 4}, t.encode("ab ab"));
      assertArrayEquals(new int[] {1, 3, 2}, t.encode("ba"));
      assertEquals("ab ab", t.decode(new int[] {4, 4}));
      assertEquals(6, t.vocabSize()); // a Unigram piece's id is its index
    }
  }

  @Test
  void wordPieceMatchesLongestPrefixes() {
    // Bert normalizer lower-cases; "unaffable" -> un ##aff ##able = 3 4 5, "hello" = 6.
    try (HuggingFaceTokenizer t = load("wordpiece.json", false, false)) {
      assertArrayEquals(new int[] {3, 4, 5, 6}, t.encode("Unaffable HELLO"));
      assertEquals("unaffable hello", t.decode(new int[] {3, 4, 5, 6}));
      assertEquals(7, t.vocabSize());
    }
  }

  @Test
  void markersAreDetectedFromTheUsualNames() {
    try (HuggingFaceTokenizer llama = load("llama-bpe.json", true, true);
        HuggingFaceTokenizer words = load("wordlevel.json", true, true);
        HuggingFaceTokenizer gpt2 = load("gpt2-bytelevel.json", true, true);
        HuggingFaceTokenizer bert = load("wordpiece.json", true, true)) {
      assertEquals(List.of(1, 2), List.of(llama.bosId(), llama.eosId()));
      assertEquals(List.of(7, 8), List.of(words.bosId(), words.eosId()));
      assertEquals(List.of(15, 15), List.of(gpt2.bosId(), gpt2.eosId())); // <|endoftext|> both
      assertEquals(List.of(1, 2), List.of(bert.bosId(), bert.eosId())); // [CLS], [SEP] as a last resort
    }
    try (HuggingFaceTokenizer none = load("llama-bpe.json", false, false)) {
      assertEquals(List.of(-1, -1), List.of(none.bosId(), none.eosId()));
    }
  }

  @Test
  void clsAndSepOnlyWhenNothingElseIsThere() {
    byte[] both = utf8("{\"model\":{\"type\":\"WordLevel\",\"unk_token\":\"[CLS]\","
        + "\"vocab\":{\"[CLS]\":0,\"[SEP]\":1,\"<s>\":2,\"</s>\":3}}}");
    try (HuggingFaceTokenizer t = HuggingFaceTokenizer.load("both", both, true, true, null, null)) {
      assertEquals(List.of(2, 3), List.of(t.bosId(), t.eosId())); // found in the model's vocabulary
    }
  }

  @Test
  void namedMarkersAreLookedUpInAddedTokensAndVocabulary() {
    byte[] json = resource("wordlevel.json");
    try (HuggingFaceTokenizer t = HuggingFaceTokenizer.load("words", json, true, true, "hello", "</s>")) {
      assertEquals(List.of(1, 8), List.of(t.bosId(), t.eosId()));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HuggingFaceTokenizer.load("words", json, true, true, "<|im_start|>", null));
    assertEquals("tokenizer file 'words' has no token \"<|im_start|>\" (asked for as BOS) among its added tokens "
        + "or vocabulary", e.getMessage());
  }

  @Test
  void aMissingMarkerIsNamedWithWhatWasLookedFor() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HuggingFaceTokenizer.load("uni", resource("unigram.json"), false, true, null, null));
    assertEquals("tokenizer file 'uni' has no EOS token: looked for </s>, <|end_of_text|>, <eos>, <|endoftext|>, "
        + "[SEP] among its added tokens and vocabulary; name the EOS token to use", e.getMessage());
  }

  @Test
  void encodeDocumentPutsTheMarkersAround() {
    try (HuggingFaceTokenizer t = load("llama-bpe.json", true, true)) {
      assertArrayEquals(new int[] {1, 16, 17, 2}, t.encodeDocument("lower"));
      assertEquals("lower", t.decode(t.encodeDocument("lower")));
    }
    try (HuggingFaceTokenizer t = load("llama-bpe.json", false, true)) {
      assertArrayEquals(new int[] {16, 17, 2}, t.encodeDocument("lower"));
    }
  }

  @Test
  void addedTokenIdsAreTheLibrarysNotTheFiles() {
    // The library numbers an added token that is not in the model's vocabulary after the largest
    // id so far (here 3), whatever the file says (100); vocabSize must follow the library.
    byte[] json = utf8("{\"added_tokens\":[{\"id\":100,\"content\":\"<x>\",\"single_word\":false,\"lstrip\":false,"
        + "\"rstrip\":false,\"normalized\":false,\"special\":true}],\"pre_tokenizer\":{\"type\":\"Whitespace\"},"
        + "\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":1,\"b\":2},\"unk_token\":\"[UNK]\"}}");
    try (HuggingFaceTokenizer t = HuggingFaceTokenizer.load("gap", json, true, false, "<x>", null)) {
      assertArrayEquals(new int[] {1, 3, 2}, t.encode("a <x> b"));
      assertEquals(3, t.bosId());
      assertEquals(4, t.vocabSize());
    }
  }

  @Test
  void oneInstanceEncodesTheSameFromManyThreads() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      texts.add("hi there " + "hé ".repeat(i % 7) + "there hi<|endoftext|>".repeat(i % 3) + i);
    }
    try (HuggingFaceTokenizer t = load("gpt2-bytelevel.json", true, true)) {
      List<int[]> expected = new ArrayList<>();
      for (String s : texts) {
        expected.add(t.encodeDocument(s));
      }
      int threads = 8;
      ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "tokenize-test"));
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<int[]>>> results = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
          results.add(pool.submit(() -> {
            start.await();
            List<int[]> got = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
              for (String s : texts) {
                got.add(t.encodeDocument(s));
              }
            }
            return got;
          }));
        }
        start.countDown();
        for (Future<List<int[]>> f : results) {
          List<int[]> got = f.get(60, TimeUnit.SECONDS);
          for (int i = 0; i < got.size(); i++) {
            assertArrayEquals(expected.get(i % texts.size()), got.get(i), texts.get(i % texts.size()));
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void invalidFilesAreNamedWithWhatIsWrong() {
    assertInvalid("", "tokenizer file 'bad' is empty");
    assertInvalid("  \n", "tokenizer file 'bad' is empty");
    assertInvalid("vocab = 3", "tokenizer file 'bad' is not valid JSON: Unrecognized token 'vocab'");
    assertInvalid("{\"model\": {", "tokenizer file 'bad' is not valid JSON: Unexpected end-of-input");
    assertInvalid("[1, 2]", "tokenizer file 'bad' is not a tokenizer.json: its top level is an array, not an object");
    assertInvalid("{\"version\": \"1.0\"}", "tokenizer file 'bad' is not a tokenizer.json: it has no \"model\"");
    assertInvalid("{\"model\": {\"type\": \"Magic\", \"vocab\": {\"a\": 0}}}",
        "tokenizer file 'bad' has an unknown model type \"Magic\" (the tokenizers library reads BPE, Unigram, "
            + "WordLevel, WordPiece)");
    assertInvalid("{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}", "tokenizer file 'bad' has a model without a "
        + "vocabulary");
    // well-formed for this package, refused by the library: the message is the library's
    assertInvalid("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}",
        "tokenizer file 'bad' was rejected by the tokenizers library: Token `b` out of vocabulary");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HuggingFaceTokenizer.load("bad", new byte[] {'{', (byte) 0xC3, '}'}, false, false, null, null));
    assertEquals("tokenizer file 'bad' is not UTF-8 text, so not a tokenizer.json", e.getMessage());
  }

  private static void assertInvalid(String json, String messageStart) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HuggingFaceTokenizer.load("bad", utf8(json), false, false, null, null));
    assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
  }

  @Test
  void aTextTheModelCannotEncodeIsNamed() {
    // WordLevel whose unknown token is not in its vocabulary cannot encode a word it does not know
    byte[] json = utf8("{\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"model\":{\"type\":\"WordLevel\","
        + "\"vocab\":{\"a\":0},\"unk_token\":\"[UNK]\"}}");
    try (HuggingFaceTokenizer t = HuggingFaceTokenizer.load("strict", json, false, false, null, null)) {
      assertArrayEquals(new int[] {0, 0}, t.encode("a a"));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("a b"));
      assertTrue(e.getMessage().startsWith("tokenizer file 'strict' cannot encode a text of 3 chars: "), e.getMessage());
    }
  }

  @Test
  void decodeRejectsIdsOutsideTheVocabulary() {
    try (HuggingFaceTokenizer t = load("wordlevel.json", false, false)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {1, 9}));
      assertEquals("token 9 at 1 is not in the vocabulary of hf:wordlevel", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
      assertEquals("hello <s>", t.decode(new int[] {1, 7})); // not a marker here: decoded as text
    }
  }

  @Test
  void aClosedTokenizerSaysSo() {
    HuggingFaceTokenizer t = load("wordlevel.json", false, false);
    t.close();
    t.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.encode("hello"));
    assertEquals("hf:wordlevel is closed", e.getMessage());
  }

  @Test
  void loadsAFileOrAModelDirectoryNamedAfterTheDirectory(@TempDir Path dir) throws IOException {
    Path model = Files.createDirectory(dir.resolve("tiny-llama"));
    Files.write(model.resolve("tokenizer.json"), resource("llama-bpe.json"));
    Files.write(dir.resolve("words.json"), resource("wordlevel.json"));
    try (HuggingFaceTokenizer fromDir = HuggingFaceTokenizer.load(model, true, true, null, null);
        HuggingFaceTokenizer fromFile = HuggingFaceTokenizer.load(model.resolve("tokenizer.json"), false, false, null,
            null);
        HuggingFaceTokenizer words = HuggingFaceTokenizer.load(dir.resolve("words.json"), false, false, null, null)) {
      assertEquals("hf:tiny-llama", fromDir.name());
      assertEquals("hf:tiny-llama", fromFile.name());
      assertEquals("hf:words", words.name());
      assertArrayEquals(new int[] {1, 16, 2}, fromDir.encodeDocument("low"));
    }
    Path broken = Files.write(dir.resolve("broken.json"), utf8("{}"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HuggingFaceTokenizer.load(broken, false, false, null, null));
    assertEquals("tokenizer file " + broken + " is not a tokenizer.json: it has no \"model\"", e.getMessage());
  }
}
