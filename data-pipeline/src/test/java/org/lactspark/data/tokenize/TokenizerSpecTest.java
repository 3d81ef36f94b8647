package org.lactspark.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.data.dataset.Manifest;

class TokenizerSpecTest {
  private static final byte[] GPT2 = HuggingFaceTokenizerTest.resource("gpt2-bytelevel.json");

  private static TokenizerSpec gpt2(boolean bos, boolean eos) {
    return TokenizerSpec.huggingFace("gpt2", GPT2, bos, eos, null, null);
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Test
  void aDeserialisedSpecOpensToAnEqualTokenizer() throws Exception {
    TokenizerSpec spec = gpt2(true, true);
    TokenizerSpec copy = roundTrip(spec);
    assertNotSame(spec, copy);
    assertEquals(spec, copy);
    assertEquals(spec.hashCode(), copy.hashCode());
    assertEquals(spec.sha256(), copy.sha256());
    assertSame(spec.open(), copy.open()); // one instance per JVM
    // and a tokenizer loaded afresh from the copy's bytes agrees with it
    Tokenizer opened = copy.open();
    try (HuggingFaceTokenizer fresh = HuggingFaceTokenizer.load("gpt2", GPT2, true, true, null, null)) {
      assertEquals(fresh.name(), opened.name());
      assertEquals(fresh.vocabSize(), opened.vocabSize());
      assertArrayEquals(fresh.encodeDocument("hi there hé"), opened.encodeDocument("hi there hé"));
    }
    assertArrayEquals(new int[] {15, 8, 13, 15}, opened.encodeDocument("hi there"));
    TokenizerSpec bytes = roundTrip(TokenizerSpec.bytes(true, false));
    assertEquals(TokenizerSpec.bytes(true, false), bytes);
    assertArrayEquals(new int[] {256, 104, 105}, bytes.open().encodeDocument("hi"));
  }

  @Test
  void equalSpecsShareOneInstanceAndOtherOptionsDoNot() {
    Tokenizer a = gpt2(true, true).open();
    assertSame(a, TokenizerSpec.huggingFace("gpt2", GPT2.clone(), true, true, null, null).open());
    assertNotSame(a, gpt2(false, true).open());
    assertNotSame(a, TokenizerSpec.huggingFace("gpt2", GPT2, true, true, "<|endoftext|>", null).open());
    assertNotSame(a, TokenizerSpec.huggingFace("other", GPT2, true, true, null, null).open());
    assertSame(TokenizerSpec.bytes(true, true).open(), TokenizerSpec.bytes(true, true).open());
    assertNotEquals(gpt2(true, true), gpt2(true, false));
  }

  @Test
  void theIdentityIsNameVocabularyAndFileDigest() throws Exception {
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(GPT2));
    assertEquals(new Manifest.Tokenizer("hf:gpt2", 17, sha), gpt2(false, true).identity());
    assertEquals(new Manifest.Tokenizer("byte+bos+eos", 258, ""), TokenizerSpec.bytes(true, true).identity());
    assertEquals(new Manifest.Tokenizer("byte", 256, ""), TokenizerSpec.bytes(false, false).identity());
  }

  @Test
  void theSpecKeepsItsOwnCopyOfTheBytes() {
    byte[] mine = GPT2.clone();
    TokenizerSpec spec = TokenizerSpec.huggingFace("gpt2", mine, false, false, null, null);
    String sha = spec.sha256();
    mine[0] = 'x';
    assertEquals(sha, spec.sha256());
    assertEquals(17, spec.open().vocabSize());
  }

  @Test
  void whatCanBeCheckedCheaplyIsCheckedAtConstruction() {
    assertEquals("a Hugging Face tokenizer needs a source name", assertThrows(IllegalArgumentException.class,
        () -> TokenizerSpec.huggingFace(" ", GPT2, false, false, null, null)).getMessage());
    assertEquals("tokenizer file 'x' is empty", assertThrows(IllegalArgumentException.class,
        () -> TokenizerSpec.huggingFace("x", new byte[0], false, false, null, null)).getMessage());
    assertEquals("tokenizer 'x': BOS token \"<s>\" is named but documents get no BOS marker",
        assertThrows(IllegalArgumentException.class,
            () -> TokenizerSpec.huggingFace("x", GPT2, false, true, "<s>", null)).getMessage());
    assertEquals("tokenizer 'x': EOS token \"\" is empty", assertThrows(IllegalArgumentException.class,
        () -> TokenizerSpec.huggingFace("x", GPT2, false, true, null, "")).getMessage());
  }

  @Test
  void anInvalidFileFailsAtOpenEachTimeNamingTheSource() {
    TokenizerSpec spec = TokenizerSpec.huggingFace("notes", "just text".getBytes(StandardCharsets.UTF_8), false,
        false, null, null);
    for (int i = 0; i < 2; i++) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, spec::open);
      assertTrue(e.getMessage().startsWith("tokenizer file 'notes' is not valid JSON"), e.getMessage());
    }
  }

  @Test
  void aSpecFromAFileIsNamedLikeTheFile(@TempDir Path dir) throws IOException {
    Path model = Files.createDirectory(dir.resolve("gpt-tiny"));
    Files.write(model.resolve("tokenizer.json"), GPT2);
    TokenizerSpec spec = TokenizerSpec.huggingFace(model, false, true, null, "<|endoftext|>");
    assertEquals(TokenizerSpec.Kind.HUGGING_FACE, spec.kind());
    assertEquals("hf:gpt-tiny", spec.identity().name());
    assertEquals(15, spec.open().eosId());
    assertTrue(spec.toString().startsWith("TokenizerSpec[hf:gpt-tiny, sha256="), spec.toString());
  }
}
