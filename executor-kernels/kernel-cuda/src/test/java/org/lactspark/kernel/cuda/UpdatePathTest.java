package org.lactspark.kernel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Parsing {@code lact.cuda.update} and its codes. */
class UpdatePathTest {

  @Test
  void parsesEveryValueIgnoringCaseAndBlanks() {
    assertEquals(UpdatePath.BF16, UpdatePath.parse("bf16"));
    assertEquals(UpdatePath.TF32, UpdatePath.parse(" TF32 "));
    assertEquals(UpdatePath.FP32, UpdatePath.parse("Fp32"));
    assertEquals(NativeLact.UPDATE_BF16, UpdatePath.BF16.code());
    assertEquals(NativeLact.UPDATE_TF32, UpdatePath.TF32.code());
    assertEquals(NativeLact.UPDATE_FP32, UpdatePath.FP32.code());
  }

  @Test
  void anUnknownValueNamesThePropertyAndTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UpdatePath.parse("fp16"));
    assertTrue(e.getMessage().startsWith("lact.cuda.update = 'fp16': expected bf16"), e.getMessage());
  }

  @Test
  void theDefaultIsTheOfficialOpsBf16() {
    String old = System.getProperty(UpdatePath.PROPERTY);
    System.clearProperty(UpdatePath.PROPERTY);
    try {
      assertEquals(UpdatePath.BF16, UpdatePath.fromSystemProperty());
    } finally {
      if (old != null) {
        System.setProperty(UpdatePath.PROPERTY, old);
      }
    }
  }
}
