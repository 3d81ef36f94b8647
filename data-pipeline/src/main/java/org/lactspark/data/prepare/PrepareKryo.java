package org.lactspark.data.prepare;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Compact Kryo encodings of the records the prepare job shuffles (keys, document pieces, sequence
 * fragments): token arrays in bulk, no class names per record. Java serialisation, Spark's default,
 * took about a third of the job's time in profiles. Enabled by {@code
 * spark.serializer=org.apache.spark.serializer.KryoSerializer} and {@code
 * spark.kryo.registrator=org.lactspark.data.prepare.PrepareKryo} (bin/lact sets both); the job is
 * correct without them, only slower.
 */
public final class PrepareKryo implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    // Kryo 4 cannot build records field by field (their fields are final): every other record that
    // travels (input files, counts, results) and the tokenizer's description go through Java
    // serialisation inside Kryo; they are few and small
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
    kryo.register(org.lactspark.data.tokenize.TokenizerSpec.class, new JavaSerializer());
    kryo.register(DocumentKey.class, new Serializer<DocumentKey>() {
      @Override
      public void write(Kryo k, Output out, DocumentKey v) {
        out.writeLong(v.order());
        out.writeInt(v.file(), true);
        out.writeLong(v.ordinal(), true);
        out.writeInt(v.piece(), true);
      }

      @Override
      public DocumentKey read(Kryo k, Input in, Class<DocumentKey> type) {
        return new DocumentKey(in.readLong(), in.readInt(true), in.readLong(true), in.readInt(true));
      }
    });
    kryo.register(DocumentPiece.class, new Serializer<DocumentPiece>() {
      @Override
      public void write(Kryo k, Output out, DocumentPiece v) {
        out.writeInt(v.split(), true);
        writeInts(out, v.tokens());
      }

      @Override
      public DocumentPiece read(Kryo k, Input in, Class<DocumentPiece> type) {
        return new DocumentPiece(in.readInt(true), readInts(in));
      }
    });
    kryo.register(Fragment.Key.class, new Serializer<Fragment.Key>() {
      @Override
      public void write(Kryo k, Output out, Fragment.Key v) {
        out.writeInt(v.split(), true);
        out.writeLong(v.sequence(), true);
        out.writeInt(v.offset(), true);
      }

      @Override
      public Fragment.Key read(Kryo k, Input in, Class<Fragment.Key> type) {
        return new Fragment.Key(in.readInt(true), in.readLong(true), in.readInt(true));
      }
    });
    kryo.register(Fragment.class, new Serializer<Fragment>() {
      @Override
      public void write(Kryo k, Output out, Fragment v) {
        out.writeInt(v.split(), true);
        out.writeLong(v.sequence(), true);
        out.writeInt(v.offset(), true);
        writeInts(out, v.tokens());
        writeInts(out, v.starts());
      }

      @Override
      public Fragment read(Kryo k, Input in, Class<Fragment> type) {
        return new Fragment(in.readInt(true), in.readLong(true), in.readInt(true), readInts(in), readInts(in));
      }
    });
  }

  private static void writeInts(Output out, int[] v) {
    out.writeInt(v.length, true);
    out.writeInts(v);
  }

  private static int[] readInts(Input in) {
    return in.readInts(in.readInt(true));
  }
}
