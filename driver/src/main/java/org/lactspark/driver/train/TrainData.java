package org.lactspark.driver.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.lactspark.data.dataset.DatasetReader;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardSource;

/**
 * The training stream on the driver: the train split in the dataset's (shuffled) order, again
 * from the start after each epoch, from a resumable position (epoch and cursor). The driver reads
 * the sequences and ships each step's shares with the tasks: a step's tokens are small next to the
 * parameters, and one reader makes the position exact to resume.
 */
final class TrainData implements AutoCloseable {
  private final ShardSource source;
  private final String split;
  private DatasetReader reader;
  private int epoch;

  /** Where the stream stands: the epoch (from 0) and the cursor within it. */
  record Position(int epoch, DatasetReader.Cursor cursor) {}

  TrainData(ShardSource source, String split, Position from) throws IOException {
    this.source = source;
    this.split = split;
    this.epoch = from.epoch();
    this.reader = DatasetReader.open(source, split, from.cursor());
  }

  /** The next {@code n} sequences. */
  List<PackedSequence> next(int n) throws IOException {
    List<PackedSequence> out = new ArrayList<>(n);
    boolean wrapped = false;
    while (out.size() < n) {
      PackedSequence s = reader.next();
      if (s == null) {
        if (wrapped) {
          throw new IOException(source.describe() + ": split '" + split + "' holds no sequences");
        }
        reader.close();
        epoch++;
        reader = DatasetReader.open(source, split, DatasetReader.Cursor.START);
        wrapped = out.isEmpty();
        continue;
      }
      wrapped = false;
      out.add(s);
    }
    return out;
  }

  /** The position of the next sequence. */
  Position position() {
    return new Position(epoch, reader.cursor());
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
