package org.lactspark.driver.eval.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;

/** Pixel checks shared by the renderer's tests. */
final class ReportImages {
  private ReportImages() {}

  /** The PNG decoded; fails when ImageIO cannot read it. */
  static BufferedImage decode(byte[] png) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      if (image == null) {
        throw new AssertionError("not an image ImageIO can read (" + png.length + " bytes)");
      }
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How many distinct RGB values the image has (a blank image has one). */
  static int distinctColours(BufferedImage image) {
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colours.add(image.getRGB(x, y) & 0xffffff);
      }
    }
    return colours.size();
  }

  /** Pixels within {@code tolerance} of {@code rgb} on every channel. */
  static int pixelsNear(BufferedImage image, int rgb, int tolerance) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        if (Math.abs((p >> 16 & 0xff) - (rgb >> 16 & 0xff)) <= tolerance
            && Math.abs((p >> 8 & 0xff) - (rgb >> 8 & 0xff)) <= tolerance
            && Math.abs((p & 0xff) - (rgb & 0xff)) <= tolerance) {
          n++;
        }
      }
    }
    return n;
  }

  /** Pixels with a clear hue (channels apart by more than 60): plot colours, not grey text. */
  static int colourfulPixels(BufferedImage image) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        int r = p >> 16 & 0xff;
        int g = p >> 8 & 0xff;
        int b = p & 0xff;
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
          n++;
        }
      }
    }
    return n;
  }
}
