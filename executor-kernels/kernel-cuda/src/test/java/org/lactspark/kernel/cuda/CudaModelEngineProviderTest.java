package org.lactspark.kernel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.model.ModelEngineProvider;
import org.lactspark.kernel.model.ModelEngines;
import org.lactspark.kernel.spi.BackendUnavailableException;

/**
 * The {@code cuda} model engine's registration and its reasons not to run: a task without a GPU,
 * and (where the library or the device cannot be used) the library's own reason; an engine
 * precision that is not one is named with its property.
 */
class CudaModelEngineProviderTest {
  private static final ModelConfig TINY = Presets.load("tiny");

  @Test
  void itIsRegisteredAbovePriorityZeroAndNeedsAnAssignedGpu() {
    ModelEngineProvider p = ModelEngines.all().stream().filter(x -> x.name().equals("cuda")).findFirst().orElseThrow();
    assertTrue(p.priority() > 0, "preferred over nd4j");
    Optional<String> why = p.unavailableReason(TINY, -1);
    assertEquals(Optional.of("no GPU was assigned to this task"), why);
  }

  @Test
  @ExtendWith(CudaConditions.Unavailable.class)
  void withoutAUsableGpuItSaysWhyAndAForcedChoiceFails() {
    CudaModelEngineProvider p = new CudaModelEngineProvider();
    Optional<String> why = p.unavailableReason(TINY, 0);
    assertTrue(why.isPresent() && !why.get().isBlank(), "a reason");
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
        () -> ModelEngines.select("cuda", TINY, 0));
    assertTrue(e.getMessage().contains(why.get()), e.getMessage());
  }

  @Test
  void aBadEnginePrecisionIsNamedWithItsProperty() {
    String before = System.getProperty(CudaModelEngineProvider.DTYPE_PROPERTY);
    System.setProperty(CudaModelEngineProvider.DTYPE_PROPERTY, "float8");
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CudaModelEngineProvider::dtype);
      assertTrue(e.getMessage().startsWith(CudaModelEngineProvider.DTYPE_PROPERTY + " = 'float8'"), e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty(CudaModelEngineProvider.DTYPE_PROPERTY);
      } else {
        System.setProperty(CudaModelEngineProvider.DTYPE_PROPERTY, before);
      }
    }
  }
}
