/**
 * The model's DL4J custom layers: classic layer configurations (JSON-serialisable, every field with
 * a getter and setter) and implementations whose {@code backpropGradient} is the hand-written
 * backward of the {@code org.lactspark.model.nn} building blocks. Parameter keys are the official
 * state_dict names relative to the layer, with {@code '_'} written as {@code '-'} because
 * ComputationGraph splits {@code vertex_param} at the last underscore ({@link ParamKeys}).
 *
 * <p>Every layer passes the sequence mask through unchanged (0 = padding, positive = document
 * number; see {@link org.lactspark.model.nn.Segments}). The residual adds live inside {@link
 * LactBlockLayer} rather than in DL4J's {@code ElementWiseVertex}, which ORs its inputs' masks
 * into booleans and would erase the document numbers.
 */
package org.lactspark.model.layer;
