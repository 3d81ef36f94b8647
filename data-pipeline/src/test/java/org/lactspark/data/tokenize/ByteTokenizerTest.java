package org.lactspark.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {
  @Test
  void arbitraryBytesRoundTrip() {
    ByteTokenizer t = new ByteTokenizer(true, true);
    Random r = new Random(7);
    for (int n : new int[] {0, 1, 255, 4096}) {
      byte[] b = new byte[n];
      r.nextBytes(b);
      int[] ids = t.encodeBytes(b);
      for (int id : ids) {
        assertTrue(id >= 0 && id < 256, "id " + id);
      }
      assertArrayEquals(b, t.decodeBytes(ids));
    }
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    assertArrayEquals(all, t.decodeBytes(t.encodeBytes(all)));
  }

  @Test
  void textIsItsUtf8Bytes() {
    ByteTokenizer t = new ByteTokenizer(false, false);
    assertArrayEquals(new int[] {0x61, 0xC3, 0xA9, 0xE2, 0x82, 0xAC}, t.encode("aé€"));
    assertEquals("aé€ 日本", t.decode(t.encode("aé€ 日本")));
    assertEquals(256, t.vocabSize());
    assertEquals("byte", t.name());
  }

  @Test
  void markersComeAfterTheBytesAndWrapEachDocument() {
    ByteTokenizer both = new ByteTokenizer(true, true);
    assertEquals(258, both.vocabSize());
    assertArrayEquals(new int[] {256, 104, 105, 257}, both.encodeDocument("hi"));
    assertEquals("hi", both.decode(both.encodeDocument("hi")));
    ByteTokenizer eosOnly = new ByteTokenizer(false, true);
    assertEquals(257, eosOnly.vocabSize());
    assertArrayEquals(new int[] {104, 105, 256}, eosOnly.encodeDocument("hi"));
    assertEquals("byte+eos", eosOnly.name());
    assertArrayEquals(new int[] {104, 105}, new ByteTokenizer(false, false).encodeDocument("hi"));
  }

  @Test
  void anIdThatIsNeitherByteNorMarkerIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ByteTokenizer(false, false).decode(new int[] {65, 256}));
    assertEquals("token 256 at 1 is not a byte or a marker of byte", e.getMessage());
    // -1 is what bosId()/eosId() return for "no marker", not a marker id to drop
    assertEquals("token -1 at 0 is not a byte or a marker of byte", assertThrows(IllegalArgumentException.class,
        () -> new ByteTokenizer(false, false).decode(new int[] {-1})).getMessage());
    assertArrayEquals("é".getBytes(StandardCharsets.UTF_8), new ByteTokenizer(true, false).decodeBytes(
        new int[] {256, 0xC3, 0xA9}));
  }
}
