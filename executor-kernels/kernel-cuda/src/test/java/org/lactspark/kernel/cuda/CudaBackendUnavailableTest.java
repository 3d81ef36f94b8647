package org.lactspark.kernel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.spi.BackendUnavailableException;
import org.lactspark.kernel.spi.KernelBackend;
import org.lactspark.kernel.spi.KernelBackends;

/**
 * The backend where it cannot run: it says why (never throwing), refuses kernels with that reason,
 * and automatic selection passes it over. The first two tests need a machine without a usable GPU
 * or library (skipped where the backend runs); the others build a library from explicit
 * properties that cannot work, and run everywhere.
 */
class CudaBackendUnavailableTest {

  @Test
  @ExtendWith(CudaConditions.Unavailable.class)
  void theBackendSaysWhyAndRefusesKernels() {
    CudaBackend b = new CudaBackend();
    Optional<String> why = b.unavailableReason();
    assertTrue(why.isPresent() && !why.get().isBlank(), "a reason");
    for (DType t : b.supportedDTypes()) {
      BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> b.kernel(t));
      assertTrue(e.getMessage().contains("'cuda' cannot run here: " + why.get()), e.getMessage());
    }
    assertTrue(b.description().contains(why.get()), b.description());
    assertEquals(0, b.memoryInUseBytes());
  }

  @Test
  @ExtendWith(CudaConditions.Unavailable.class)
  void automaticSelectionPassesItOver() {
    assertTrue(KernelBackends.names().contains(CudaBackend.NAME), "registered: " + KernelBackends.names());
    KernelBackend chosen = KernelBackends.select("auto");
    assertNotEquals(CudaBackend.NAME, chosen.name());
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
        () -> KernelBackends.select(CudaBackend.NAME));
    assertTrue(e.getMessage().contains("cannot run here"), e.getMessage());
  }

  @Test
  void aLibraryPathThatDoesNotExistIsNamed(@TempDir Path tmp) {
    Path missing = tmp.resolve("nowhere").resolve("liblactcuda.so");
    CudaBackend b = new CudaBackend(NativeLibrary.fromProperties(missing.toString(), null));
    String why = b.unavailableReason().orElseThrow();
    assertTrue(why.contains(NativeLibrary.LIBRARY_PROPERTY) && why.contains(missing.toString()), why);
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> b.kernel(DType.FLOAT32));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(b.description().contains(missing.toString()), b.description());
  }

  @Test
  void aBadDeviceOrdinalIsNamed() {
    for (String bad : new String[] {"gpu0", "-1", ""}) {
      NativeLibrary lib = NativeLibrary.fromProperties(null, bad);
      String why = lib.failure().orElseThrow();
      assertTrue(why.startsWith(NativeLibrary.DEVICE_PROPERTY + " = '" + bad + "'"), why);
      assertThrows(IllegalStateException.class, lib::deviceLine);
    }
  }
}
