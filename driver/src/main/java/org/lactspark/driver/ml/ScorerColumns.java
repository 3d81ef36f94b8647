package org.lactspark.driver.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns a {@link SequenceLossScorer} reads and writes, and the checks of an input schema
 * against them; it travels to executors with the task (for their messages). Every message names the param and the column, for a pipeline's stages are
 * configured far from where the error shows.
 *
 * @param input the token ids (param inputCol)
 * @param starts the document starts (param documentStartsCol), empty when not read
 * @param output the mean loss (param outputCol)
 * @param tokens the scored-token count (param tokensCol), empty when not written
 * @param positions the per-position losses (param positionLossCol), empty when not written
 */
record ScorerColumns(String input, String starts, String output, String tokens, String positions)
    implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final String STAGE = "SequenceLossScorer: ";

  /** The input schema with the output columns appended, after checking it. */
  StructType outputSchema(StructType schema) {
    checkIdArray(schema, "inputCol", input);
    if (!starts.isEmpty()) {
      checkIdArray(schema, "documentStartsCol", starts);
    }
    List<String[]> outputs = new ArrayList<>();
    outputs.add(new String[] {"outputCol", output});
    if (!tokens.isEmpty()) {
      outputs.add(new String[] {"tokensCol", tokens});
    }
    if (!positions.isEmpty()) {
      outputs.add(new String[] {"positionLossCol", positions});
    }
    for (int i = 0; i < outputs.size(); i++) {
      String[] o = outputs.get(i);
      // Spark resolves names case-insensitively by default: "Loss" beside "loss" would be ambiguous
      if (find(schema, o[1]) != null) {
        throw new IllegalArgumentException(STAGE + "param " + o[0] + " names column '" + o[1]
            + "', which the input already has; choose another name");
      }
      for (int j = 0; j < i; j++) {
        if (outputs.get(j)[1].equalsIgnoreCase(o[1])) {
          throw new IllegalArgumentException(STAGE + "params " + outputs.get(j)[0] + " and " + o[0]
              + " both name column '" + o[1] + "'");
        }
      }
    }
    StructType out = schema.add(output, DataTypes.DoubleType, true);
    if (!tokens.isEmpty()) {
      out = out.add(tokens, DataTypes.IntegerType, true);
    }
    if (!positions.isEmpty()) {
      // NaN, not null, marks a position that is not scored (a document's first token)
      out = out.add(positions, DataTypes.createArrayType(DataTypes.DoubleType, false), true);
    }
    return out;
  }

  private static void checkIdArray(StructType schema, String param, String column) {
    StructField f = exact(schema, column);
    if (f == null) {
      StructField other = find(schema, column);
      throw new IllegalArgumentException(STAGE + "param " + param + " names column '" + column
          + "', which the input does not have" + (other == null ? "" : " (did you mean '" + other.name() + "'?)")
          + "; columns: " + Arrays.toString(schema.fieldNames()));
    }
    DataType t = f.dataType();
    boolean ok = t instanceof ArrayType a
        && (a.elementType().equals(DataTypes.IntegerType) || a.elementType().equals(DataTypes.LongType));
    if (!ok) {
      throw new IllegalArgumentException(STAGE + "param " + param + " names column '" + column + "' of type "
          + t.simpleString() + "; expected array<int> or array<bigint>");
    }
  }

  private static StructField exact(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  private static StructField find(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    return null;
  }
}
