package org.lactspark.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlTokenizerSetupTest {
  private static final Path CACHE = Paths.get("/cache");
  private static final UnaryOperator<String> NOTHING = k -> null;

  private static UnaryOperator<String> only(String key, String value) {
    return k -> k.equals(key) ? value : null;
  }

  @Test
  void offlineAndAPrivateCacheByDefault() {
    assertEquals(Map.of("ai.djl.offline", "true", "DJL_CACHE_DIR", CACHE.toString()),
        DjlTokenizerSetup.missing(NOTHING, NOTHING, () -> CACHE));
  }

  @Test
  void whatTheUserSetIsLeftAlone() {
    assertEquals(Map.of("DJL_CACHE_DIR", CACHE.toString()),
        DjlTokenizerSetup.missing(only("DJL_OFFLINE", "false"), NOTHING, () -> CACHE));
    assertEquals(Map.of("DJL_CACHE_DIR", CACHE.toString()),
        DjlTokenizerSetup.missing(NOTHING, only("ai.djl.offline", "false"), () -> CACHE));
    assertEquals(Map.of("ai.djl.offline", "true"),
        DjlTokenizerSetup.missing(only("DJL_CACHE_DIR", "/mine"), NOTHING, () -> CACHE));
    assertEquals(Map.of("ai.djl.offline", "true"),
        DjlTokenizerSetup.missing(NOTHING, only("DJL_CACHE_DIR", "/mine"), () -> CACHE));
    assertEquals(Map.of("ai.djl.offline", "true"),
        DjlTokenizerSetup.missing(only("ENGINE_CACHE_DIR", "/mine"), NOTHING, () -> CACHE));
  }

  @Test
  void theCacheDirectoryIsTheUsersOwn(@TempDir Path tmp) throws IOException {
    String user = System.getProperty("user.name");
    Path dir = DjlTokenizerSetup.privateDir(tmp, user);
    assertEquals(tmp.resolve("lact-spark-djl-" + user.replaceAll("[^A-Za-z0-9._-]", "_")), dir);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals(dir, DjlTokenizerSetup.privateDir(tmp, user)); // found again
  }

  @Test
  void aDirectoryOthersCanWriteIsNotUsed(@TempDir Path tmp) throws IOException {
    String user = System.getProperty("user.name");
    Path shared = tmp.resolve("lact-spark-djl-" + user.replaceAll("[^A-Za-z0-9._-]", "_"));
    Files.createDirectory(shared);
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path dir = DjlTokenizerSetup.privateDir(tmp, user);
    assertNotEquals(shared, dir);
    assertTrue(dir.startsWith(tmp) && Files.isDirectory(dir), dir.toString());
    Path otherOwner = DjlTokenizerSetup.privateDir(tmp, "someone-else-" + user);
    assertTrue(otherOwner.getFileName().toString().startsWith("lact-spark-djl-")
        && !otherOwner.getFileName().toString().contains("someone-else"), otherOwner.toString());
  }
}
