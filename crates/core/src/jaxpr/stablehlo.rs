//! Lowering a staged program to StableHLO, the input language of XLA behind every PJRT plugin
//! (CPU, GPU, TPU). The module is MLIR text in the generic operation syntax, which every
//! StableHLO version parses; each primitive family lowers itself
//! ([`PrimitiveRule::lower`], beside its other rules) with
//! the helpers of [`LoweringContext`], as JAX's `mlir.register_lowering` rules do.
//!
//! Constants of a [`ClosedJaxpr`] become the leading arguments of `@main` rather than literals
//! in the text, so large weights are uploaded once as buffers and not printed and parsed.
//!
//! ```
//! use equinox_core::{jaxpr::stablehlo::lower, transforms::make_jaxpr, Array};
//! let program = make_jaxpr(|x: &Array| x.sin() * 2.0)(&Array::from_vec(vec![1.0f32; 3], [3]));
//! let module = lower(&program).unwrap();
//! assert!(module.text.contains("\"stablehlo.sine\""));
//! assert_eq!(module.num_consts, 0);
//! ```

use super::host_callback::{self, HostCallbackHandle, HostFn, HOST_CALLBACK_TARGET};
use super::{Atom, ClosedJaxpr, Jaxpr};
use crate::array::{Array, DType, ShapeDtype};
use crate::prims::PrimitiveRule;
use std::fmt::{self, Write};

/// A primitive, parameter or dtype the lowering does not cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoweringError {
    /// The primitive's name (`"sort"`, ...).
    pub primitive: String,
    /// What is missing.
    pub reason: String,
}

impl LoweringError {
    /// `primitive` has no StableHLO lowering (yet).
    pub fn unsupported(primitive: &str) -> LoweringError {
        LoweringError {
            primitive: primitive.to_string(),
            reason: "this primitive has no StableHLO lowering".to_string(),
        }
    }

    /// `primitive` lowers, but not with these operands or parameters.
    pub fn new(primitive: &str, reason: impl Into<String>) -> LoweringError {
        LoweringError {
            primitive: primitive.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for LoweringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot lower `{}` to StableHLO: {}",
            self.primitive, self.reason
        )
    }
}

impl std::error::Error for LoweringError {}

/// A lowered program: MLIR text with one public function `@main` taking the constants, then
/// the inputs, and returning the outputs.
#[derive(Clone, Debug)]
pub struct StableHloModule {
    /// The module, in MLIR's textual form.
    pub text: String,
    /// How many leading arguments of `@main` are the program's constants.
    pub num_consts: usize,
    /// The abstract values of `@main`'s arguments (constants first).
    pub arg_avals: Vec<ShapeDtype>,
    /// The abstract values of the results.
    pub out_avals: Vec<ShapeDtype>,
    /// `(argument, result)` pairs whose buffers are shared (`tf.aliasing_output`): a donated
    /// argument's buffer receives the result. Arguments count the constants.
    pub aliases: Vec<(usize, usize)>,
    /// The host callbacks the module's custom calls name, registered while the module (or a
    /// clone) lives.
    pub host_callbacks: Vec<HostCallbackHandle>,
}

/// A value in the module being built: its SSA name (`%7`, `%arg0`, `%3#1`) and type.
#[derive(Clone, Debug)]
pub struct Value {
    /// The SSA name.
    pub name: String,
    /// The shape and dtype.
    pub aval: ShapeDtype,
}

/// The MLIR element type of a dtype (`f32`, `i1`, `ui8`, `complex<f32>`, `f8E4M3FN`).
pub fn element_type(dtype: DType) -> &'static str {
    match dtype {
        DType::Bool => "i1",
        DType::U8 => "ui8",
        DType::U16 => "ui16",
        DType::U32 => "ui32",
        DType::U64 => "ui64",
        DType::I8 => "i8",
        DType::I16 => "i16",
        DType::I32 => "i32",
        DType::I64 => "i64",
        DType::F16 => "f16",
        DType::BF16 => "bf16",
        DType::F32 => "f32",
        DType::F64 => "f64",
        DType::C64 => "complex<f32>",
        DType::C128 => "complex<f64>",
        DType::F8E3M4 => "f8E3M4",
        DType::F8E4M3 => "f8E4M3",
        DType::F8E4M3B11Fnuz => "f8E4M3B11FNUZ",
        DType::F8E4M3Fn => "f8E4M3FN",
        DType::F8E4M3Fnuz => "f8E4M3FNUZ",
        DType::F8E5M2 => "f8E5M2",
        DType::F8E5M2Fnuz => "f8E5M2FNUZ",
        DType::F8E8M0Fnu => "f8E8M0FNU",
        DType::F4E2M1Fn => "f4E2M1FN",
    }
}

/// The MLIR tensor type of an abstract value (`tensor<2x3xf32>`, `tensor<i32>`).
pub fn tensor_type(aval: &ShapeDtype) -> String {
    let mut s = String::from("tensor<");
    for d in aval.shape.iter() {
        let _ = write!(s, "{d}x");
    }
    s.push_str(element_type(aval.dtype));
    s.push('>');
    s
}

/// An `array<i64: ...>` attribute value.
pub fn i64_array(values: impl IntoIterator<Item = impl Into<i64>>) -> String {
    let items: Vec<String> = values.into_iter().map(|v| v.into().to_string()).collect();
    if items.is_empty() {
        "array<i64>".to_string()
    } else {
        format!("array<i64: {}>", items.join(", "))
    }
}

/// A `[a, b, ...]` list of integers (as dimension-number attributes spell them).
pub fn int_list(values: impl IntoIterator<Item = impl Into<i64>>) -> String {
    let items: Vec<String> = values.into_iter().map(|v| v.into().to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// Builds the body of a module: numbers values, writes operations, nests regions.
pub struct LoweringContext {
    /// Open blocks, innermost last: each a buffer of operation lines.
    blocks: Vec<String>,
    next_id: usize,
    host_callbacks: Vec<HostCallbackHandle>,
}

impl LoweringContext {
    fn new() -> LoweringContext {
        LoweringContext {
            blocks: vec![String::new()],
            next_id: 0,
            host_callbacks: Vec::new(),
        }
    }

    fn fresh(&mut self) -> String {
        let n = self.next_id;
        self.next_id += 1;
        format!("%{n}")
    }

    fn line(&mut self, text: &str) {
        let depth = self.blocks.len();
        let block = self.blocks.last_mut().expect("an open block");
        for _ in 0..depth + 1 {
            block.push_str("  ");
        }
        block.push_str(text);
        block.push('\n');
    }

    /// Writes `"name"(operands) regions {attrs} : (operand types) -> result types` and returns
    /// its results. `attrs` is the inside of the attribute dictionary (may be empty); `regions`
    /// are region texts from [`LoweringContext::region`].
    pub fn op_with_regions(
        &mut self,
        name: &str,
        operands: &[&Value],
        regions: &[String],
        attrs: &str,
        results: &[ShapeDtype],
    ) -> Vec<Value> {
        let base = self.fresh();
        let names: Vec<String> = match results.len() {
            0 => Vec::new(),
            1 => vec![base.clone()],
            n => (0..n).map(|i| format!("{base}#{i}")).collect(),
        };
        let mut text = String::new();
        match results.len() {
            0 => {}
            1 => {
                let _ = write!(text, "{base} = ");
            }
            n => {
                let _ = write!(text, "{base}:{n} = ");
            }
        }
        let ops: Vec<&str> = operands.iter().map(|v| v.name.as_str()).collect();
        let _ = write!(text, "\"{name}\"({})", ops.join(", "));
        if !regions.is_empty() {
            let _ = write!(text, " ({})", regions.join(", "));
        }
        if !attrs.is_empty() {
            let _ = write!(text, " {{{attrs}}}");
        }
        let in_types: Vec<String> = operands.iter().map(|v| tensor_type(&v.aval)).collect();
        let out_types: Vec<String> = results.iter().map(tensor_type).collect();
        let _ = write!(
            text,
            " : ({}) -> ({})",
            in_types.join(", "),
            out_types.join(", ")
        );
        self.line(&text);
        names
            .into_iter()
            .zip(results)
            .map(|(name, aval)| Value {
                name,
                aval: aval.clone(),
            })
            .collect()
    }

    /// A single-result operation without regions.
    pub fn op(
        &mut self,
        name: &str,
        operands: &[&Value],
        attrs: &str,
        result: &ShapeDtype,
    ) -> Value {
        self.op_with_regions(name, operands, &[], attrs, std::slice::from_ref(result))
            .pop()
            .expect("one result")
    }

    /// An elementwise operation whose result has the shape of its non-scalar operands: 0-d
    /// operands are broadcast first (StableHLO's elementwise ops take equal shapes).
    pub fn elementwise(&mut self, name: &str, operands: &[&Value], dtype: DType) -> Value {
        let shape = operands
            .iter()
            .map(|v| &v.aval.shape)
            .find(|s| s.ndim() > 0)
            .cloned()
            .unwrap_or_default();
        let full: Vec<Value> = operands
            .iter()
            .map(|v| self.broadcast_to(v, &shape))
            .collect();
        let refs: Vec<&Value> = full.iter().collect();
        self.op(name, &refs, "", &ShapeDtype::new(shape, dtype))
    }

    /// The complex conjugate of `x` (StableHLO has no conjugate op: JAX lowers `conj` as
    /// `complex(real(x), -imag(x))`).
    pub fn conj(&mut self, x: &Value) -> Value {
        let aval = x.aval.clone();
        let part = ShapeDtype::new(aval.shape.clone(), aval.dtype.real_dtype());
        let re = self.op("stablehlo.real", &[x], "", &part);
        let im = self.op("stablehlo.imag", &[x], "", &part);
        let im = self.op("stablehlo.negate", &[&im], "", &part);
        self.op("stablehlo.complex", &[&re, &im], "", &aval)
    }

    /// `stablehlo.compare` in `direction` (`"EQ"`, `"LT"`, ...), elementwise with 0-d operands
    /// broadcast; floats (and complex numbers) compare as IEEE floats, integers by their
    /// signedness, bools as unsigned.
    pub fn compare(&mut self, direction: &str, a: &Value, b: &Value) -> Value {
        let d = a.aval.dtype;
        let kind = if d.is_float() || d.is_complex() {
            "FLOAT"
        } else if d.is_signed_integer() {
            "SIGNED"
        } else {
            "UNSIGNED"
        };
        let shape = [a, b]
            .iter()
            .map(|v| v.aval.shape.clone())
            .find(|s| s.ndim() > 0)
            .unwrap_or_default();
        let x = self.broadcast_to(a, &shape);
        let y = self.broadcast_to(b, &shape);
        let attrs = format!(
            "comparison_direction = #stablehlo<comparison_direction {direction}>, \
             compare_type = #stablehlo<comparison_type {kind}>"
        );
        self.op(
            "stablehlo.compare",
            &[&x, &y],
            &attrs,
            &ShapeDtype::new(shape, DType::Bool),
        )
    }

    /// A 0-d constant of `dtype` that is the identity of a max (`lowest`: `-inf`, the
    /// smallest integer, `false`) or of a min (`+inf`, the largest integer, `true`).
    pub fn extreme(&mut self, dtype: DType, lowest: bool) -> Value {
        if dtype.is_float() {
            let v = if lowest {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            return self.scalar(dtype, v);
        }
        if dtype.is_bool() {
            return self.int_scalar(DType::Bool, (!lowest) as i128);
        }
        let bits = dtype.bits();
        let v = match (dtype.is_signed_integer(), lowest) {
            (true, true) => -(1i128 << (bits - 1)),
            (true, false) => (1i128 << (bits - 1)) - 1,
            (false, true) => 0,
            (false, false) => (1i128 << bits) - 1,
        };
        self.int_scalar(dtype, v)
    }

    /// `v[start..limit]` along every axis, with unit strides.
    pub fn slice(&mut self, v: &Value, start: &[usize], limit: &[usize]) -> Value {
        let shape: Vec<usize> = start.iter().zip(limit).map(|(s, l)| l - s).collect();
        let attrs = format!(
            "start_indices = {}, limit_indices = {}, strides = {}",
            i64_array(start.iter().map(|&s| s as i64)),
            i64_array(limit.iter().map(|&l| l as i64)),
            i64_array(start.iter().map(|_| 1i64))
        );
        self.op(
            "stablehlo.slice",
            &[v],
            &attrs,
            &ShapeDtype::new(shape, v.aval.dtype),
        )
    }

    /// `v` with `low[i]` and `high[i]` elements of the 0-d `value` added before and after
    /// along axis `i`.
    pub fn pad(&mut self, v: &Value, value: &Value, low: &[usize], high: &[usize]) -> Value {
        let shape: Vec<usize> = v
            .aval
            .shape
            .iter()
            .zip(low.iter().zip(high))
            .map(|(n, (l, h))| n + l + h)
            .collect();
        let attrs = format!(
            "edge_padding_low = {}, edge_padding_high = {}, interior_padding = {}",
            i64_array(low.iter().map(|&l| l as i64)),
            i64_array(high.iter().map(|&h| h as i64)),
            i64_array(low.iter().map(|_| 0i64))
        );
        self.op(
            "stablehlo.pad",
            &[v, value],
            &attrs,
            &ShapeDtype::new(shape, v.aval.dtype),
        )
    }

    /// `v` broadcast to `shape` when it is 0-d and `shape` is not; otherwise `v` itself.
    pub fn broadcast_to(&mut self, v: &Value, shape: &[usize]) -> Value {
        if v.aval.shape.ndim() == 0 && !shape.is_empty() {
            self.op(
                "stablehlo.broadcast_in_dim",
                &[v],
                "broadcast_dimensions = array<i64>",
                &ShapeDtype::new(shape.to_vec(), v.aval.dtype),
            )
        } else {
            v.clone()
        }
    }

    /// A constant holding `x`'s elements.
    pub fn constant(&mut self, x: &Array) -> Value {
        let attrs = format!("value = {}", dense_literal(x));
        let aval = ShapeDtype::new(x.shape().to_vec(), x.dtype());
        self.op("stablehlo.constant", &[], &attrs, &aval)
    }

    /// A 0-d constant of `dtype` with value `v` (converted as `astype` would).
    pub fn scalar(&mut self, dtype: DType, v: f64) -> Value {
        let x = crate::prims::bind1(
            crate::prims::convert::ConvertOp::ConvertElementType {
                new_dtype: dtype,
                weak_type: false,
            },
            &[&Array::scalar(v)],
        );
        self.constant(&x)
    }

    /// A 0-d constant of an integer dtype with value `v`, exactly.
    pub fn int_scalar(&mut self, dtype: DType, v: i128) -> Value {
        let text = if dtype == DType::Bool {
            (v != 0).to_string()
        } else {
            v.to_string()
        };
        let attrs = format!(
            "value = dense<{text}> : {}",
            tensor_type(&ShapeDtype::new(Vec::<usize>::new(), dtype))
        );
        self.op(
            "stablehlo.constant",
            &[],
            &attrs,
            &ShapeDtype::new(Vec::<usize>::new(), dtype),
        )
    }

    /// The region `(a, b) -> op(a, b)` over 0-d values of `dtype`, with `op` a binary
    /// StableHLO operation (`"stablehlo.add"`, ...): the body of a reduction or scatter.
    pub fn combiner(&mut self, op: &str, dtype: DType) -> Result<String, LoweringError> {
        let scalar = ShapeDtype::new(Vec::<usize>::new(), dtype);
        self.region(&[scalar.clone(), scalar.clone()], |cx, p| {
            Ok(vec![cx.op(op, &[&p[0], &p[1]], "", &scalar)])
        })
    }

    /// A region with one block taking arguments of `arg_avals`; `body` writes its operations
    /// and returns the values the region yields (`stablehlo.return`).
    pub fn region(
        &mut self,
        arg_avals: &[ShapeDtype],
        body: impl FnOnce(&mut LoweringContext, &[Value]) -> Result<Vec<Value>, LoweringError>,
    ) -> Result<String, LoweringError> {
        let args: Vec<Value> = arg_avals
            .iter()
            .map(|a| Value {
                name: self.fresh().replacen('%', "%r", 1),
                aval: a.clone(),
            })
            .collect();
        self.blocks.push(String::new());
        let result = body(self, &args);
        let outs = match result {
            Ok(outs) => outs,
            Err(e) => {
                self.blocks.pop();
                return Err(e);
            }
        };
        let names: Vec<&str> = outs.iter().map(|v| v.name.as_str()).collect();
        let types: Vec<String> = outs.iter().map(|v| tensor_type(&v.aval)).collect();
        self.line(&format!(
            "\"stablehlo.return\"({}) : ({}) -> ()",
            names.join(", "),
            types.join(", ")
        ));
        let body_text = self.blocks.pop().expect("the region's block");
        let params: Vec<String> = args
            .iter()
            .map(|v| format!("{}: {}", v.name, tensor_type(&v.aval)))
            .collect();
        let indent = "  ".repeat(self.blocks.len() + 1);
        Ok(format!(
            "{{\n{indent}^bb0({}):\n{body_text}{indent}}}",
            params.join(", ")
        ))
    }

    /// A call of host code: `callback` runs on the operands' values and returns `results`
    /// (see [`host_callback`]). `name` is the primitive it stands for;
    /// `has_side_effect` keeps a call whose results are unused (or that has none) in the
    /// program, as JAX's effectful callbacks.
    pub fn host_call(
        &mut self,
        name: &'static str,
        callback: HostFn,
        operands: &[&Value],
        results: &[ShapeDtype],
        has_side_effect: bool,
    ) -> Vec<Value> {
        let handle = host_callback::register(name, callback, results.to_vec());
        let layout = |a: &ShapeDtype| {
            let dims: Vec<usize> = (0..a.shape.len()).rev().collect();
            format!(
                "dense<{}> : tensor<{}xindex>",
                int_list(dims.iter().map(|&d| d as i64)),
                dims.len()
            )
        };
        let operand_layouts: Vec<String> = operands.iter().map(|v| layout(&v.aval)).collect();
        let result_layouts: Vec<String> = results.iter().map(layout).collect();
        let attrs = format!(
            "call_target_name = \"{HOST_CALLBACK_TARGET}\", api_version = 4 : i32, \
             has_side_effect = {has_side_effect}, backend_config = {{callback = {} : i64}}, \
             operand_layouts = [{}], result_layouts = [{}]",
            handle.id(),
            operand_layouts.join(", "),
            result_layouts.join(", ")
        );
        self.host_callbacks.push(handle);
        self.op_with_regions("stablehlo.custom_call", operands, &[], &attrs, results)
    }

    /// `stablehlo.while` over the loop state `init`: `cond` maps the state to a 0-d bool,
    /// `body` to the next state. Returns the final state.
    pub fn while_loop(
        &mut self,
        init: &[Value],
        cond: impl FnOnce(&mut LoweringContext, &[Value]) -> Result<Value, LoweringError>,
        body: impl FnOnce(&mut LoweringContext, &[Value]) -> Result<Vec<Value>, LoweringError>,
    ) -> Result<Vec<Value>, LoweringError> {
        let avals: Vec<ShapeDtype> = init.iter().map(|v| v.aval.clone()).collect();
        let cond_region = self.region(&avals, |cx, state| Ok(vec![cond(cx, state)?]))?;
        let body_region = self.region(&avals, body)?;
        let operands: Vec<&Value> = init.iter().collect();
        Ok(self.op_with_regions(
            "stablehlo.while",
            &operands,
            &[cond_region, body_region],
            "",
            &avals,
        ))
    }

    /// Lowers `jaxpr` inline: its constants bound to `consts`, its inputs to `args`; returns
    /// its outputs. Higher-order primitives lower their sub-programs with it.
    pub fn lower_jaxpr(
        &mut self,
        jaxpr: &Jaxpr,
        consts: &[Value],
        args: &[Value],
    ) -> Result<Vec<Value>, LoweringError> {
        let mut env: Vec<Option<Value>> = vec![None; jaxpr.avals.len()];
        for (v, x) in jaxpr.constvars.iter().zip(consts) {
            env[*v as usize] = Some(x.clone());
        }
        for (v, x) in jaxpr.invars.iter().zip(args) {
            env[*v as usize] = Some(x.clone());
        }
        for eqn in &jaxpr.eqns {
            let ins: Vec<Value> = eqn.inputs.iter().map(|a| self.atom(&env, a)).collect();
            let out_avals: Vec<ShapeDtype> = eqn
                .outputs
                .iter()
                .map(|v| jaxpr.avals[*v as usize].clone())
                .collect();
            let outs = eqn.prim.lower(self, &ins, &out_avals)?;
            debug_assert_eq!(outs.len(), eqn.outputs.len());
            for (v, x) in eqn.outputs.iter().zip(outs) {
                env[*v as usize] = Some(x);
            }
        }
        Ok(jaxpr.outvars.iter().map(|a| self.atom(&env, a)).collect())
    }

    /// Stages `f` on arguments shaped like `args` and lowers it inline (custom-derivative
    /// primitives, which hold Rust closures rather than programs, lower their primal this
    /// way). Constants `f` captures become `stablehlo.constant`s.
    pub fn lower_function(
        &mut self,
        f: &dyn Fn(&[Array]) -> Vec<Array>,
        args: &[Value],
    ) -> Result<Vec<Value>, LoweringError> {
        use crate::trace::staging::{StageMode, StagingTrace};
        use crate::trace::{set_current, Trace};
        let staging = StagingTrace::new(StageMode::All);
        let inputs: Vec<Array> = args
            .iter()
            .map(|v| staging.new_input(v.aval.clone()))
            .collect();
        let outs = {
            let _guard = set_current(Some(staging.clone() as std::rc::Rc<dyn Trace>));
            f(&inputs)
        };
        let program = staging.finish(&outs);
        let consts: Vec<Value> = program.consts.iter().map(|c| self.constant(c)).collect();
        self.lower_jaxpr(&program.jaxpr, &consts, args)
    }

    fn atom(&mut self, env: &[Option<Value>], a: &Atom) -> Value {
        match a {
            Atom::Var(v) => env[*v as usize]
                .clone()
                .expect("jaxpr variable read before it is defined"),
            Atom::Literal(x) => self.constant(x),
        }
    }
}

/// `dense<...> : tensor<...>` holding `x`'s elements: floats by their bit patterns (exact,
/// NaN payloads included), integers in decimal, booleans as `true`/`false`.
fn dense_literal(x: &Array) -> String {
    let aval = ShapeDtype::new(x.shape().to_vec(), x.dtype());
    let bytes = crate::array::le_bytes::to_le_bytes(x);
    let width = x.dtype().size_in_bytes();
    let element = |i: usize| -> String {
        let b = &bytes[i * width..(i + 1) * width];
        let mut raw = [0u8; 16];
        raw[..width].copy_from_slice(b);
        let bits = u128::from_le_bytes(raw);
        let d = x.dtype();
        if d == DType::Bool {
            (bits != 0).to_string()
        } else if d.is_signed_integer() {
            let shift = 128 - 8 * width as u32;
            (((bits << shift) as i128) >> shift).to_string()
        } else if d.is_unsigned_integer() {
            bits.to_string()
        } else if d.is_complex() {
            let half = width / 2;
            let re = u128::from_le_bytes({
                let mut r = [0u8; 16];
                r[..half].copy_from_slice(&b[..half]);
                r
            });
            let im = u128::from_le_bytes({
                let mut r = [0u8; 16];
                r[..half].copy_from_slice(&b[half..]);
                r
            });
            format!("(0x{re:0w$X}, 0x{im:0w$X})", w = half * 2)
        } else {
            format!("0x{bits:0w$X}", w = width * 2)
        }
    };
    let n = x.size();
    let mut body = String::new();
    if n > 0 && (0..n).all(|i| bytes[i * width..(i + 1) * width] == bytes[..width]) {
        body = element(0);
    } else {
        nested(&mut body, x.shape(), 0, &mut 0, &element);
    }
    format!("dense<{body}> : {}", tensor_type(&aval))
}

fn nested(
    out: &mut String,
    shape: &[usize],
    axis: usize,
    next: &mut usize,
    element: &dyn Fn(usize) -> String,
) {
    if axis == shape.len() {
        out.push_str(&element(*next));
        *next += 1;
        return;
    }
    out.push('[');
    for i in 0..shape[axis] {
        if i > 0 {
            out.push_str(", ");
        }
        nested(out, shape, axis + 1, next, element);
    }
    out.push(']');
}

/// Lowers a closed program to a module whose `@main` takes its constants, then its inputs.
pub fn lower(program: &ClosedJaxpr) -> Result<StableHloModule, LoweringError> {
    lower_donating(program, &[])
}

/// [`lower`], with the inputs flagged in `donated` (one flag per input, constants not counted;
/// missing flags are false) donated as `jax.jit(donate_argnums=...)` does: each is aliased to
/// the first result of its shape and dtype not taken by an earlier one, so the result can be
/// written into the input's buffer. A donated input no result matches is not aliased.
pub fn lower_donating(
    program: &ClosedJaxpr,
    donated: &[bool],
) -> Result<StableHloModule, LoweringError> {
    let jaxpr = &program.jaxpr;
    let const_avals: Vec<ShapeDtype> = program
        .consts
        .iter()
        .map(|c| ShapeDtype::new(c.shape().to_vec(), c.dtype()))
        .collect();
    let in_avals: Vec<ShapeDtype> = jaxpr
        .in_avals()
        .into_iter()
        .map(|a| ShapeDtype::new(a.shape, a.dtype))
        .collect();
    let arg_avals: Vec<ShapeDtype> = const_avals.iter().chain(&in_avals).cloned().collect();
    let args: Vec<Value> = arg_avals
        .iter()
        .enumerate()
        .map(|(i, a)| Value {
            name: format!("%arg{i}"),
            aval: a.clone(),
        })
        .collect();
    let mut cx = LoweringContext::new();
    let (consts, inputs) = args.split_at(const_avals.len());
    let outs = cx.lower_jaxpr(jaxpr, consts, inputs)?;
    let out_avals: Vec<ShapeDtype> = outs
        .iter()
        .map(|v| ShapeDtype::new(v.aval.shape.clone(), v.aval.dtype))
        .collect();
    let mut taken = vec![false; out_avals.len()];
    let mut aliases = Vec::new();
    for (i, _) in donated.iter().enumerate().filter(|&(_, &d)| d) {
        let Some(aval) = in_avals.get(i) else { break };
        if let Some(k) = (0..out_avals.len()).find(|&k| !taken[k] && out_avals[k] == *aval) {
            taken[k] = true;
            aliases.push((const_avals.len() + i, k));
        }
    }
    let params: Vec<String> = args
        .iter()
        .enumerate()
        .map(|(i, v)| match aliases.iter().find(|(a, _)| *a == i) {
            Some((_, k)) => format!(
                "{}: {} {{tf.aliasing_output = {k} : i32}}",
                v.name,
                tensor_type(&v.aval)
            ),
            None => format!("{}: {}", v.name, tensor_type(&v.aval)),
        })
        .collect();
    let out_types: Vec<String> = out_avals.iter().map(tensor_type).collect();
    let out_names: Vec<&str> = outs.iter().map(|v| v.name.as_str()).collect();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "module @equinox attributes {{mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32}} {{"
    );
    let _ = writeln!(
        text,
        "  func.func public @main({}) -> ({}) {{",
        params.join(", "),
        out_types.join(", ")
    );
    text.push_str(&cx.blocks[0]);
    let _ = writeln!(
        text,
        "    \"func.return\"({}) : ({}) -> ()",
        out_names.join(", "),
        out_types.join(", ")
    );
    text.push_str("  }\n}\n");
    Ok(StableHloModule {
        text,
        num_consts: const_avals.len(),
        arg_avals,
        out_avals,
        aliases,
        host_callbacks: cx.host_callbacks,
    })
}
