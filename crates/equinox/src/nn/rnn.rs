//! `eqx.nn.GRUCell` and `eqx.nn.LSTMCell`: one step of a recurrent network, to be looped over
//! a sequence with [`lax::scan`](crate::lax::scan).

use crate::numpy as jnp;
use crate::random::{self, Key};
use crate::{Array, DType, Module};

/// The optional settings of a [`GRUCell`] or an [`LSTMCell`], with Equinox's defaults from
/// [`Default`]: biases, float32 parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RnnCellOptions {
    /// Whether the cell adds biases to its gates.
    pub use_bias: bool,
    /// The parameters' floating dtype (float64 gives what Equinox gives with
    /// `jax_enable_x64`).
    pub dtype: DType,
}

impl Default for RnnCellOptions {
    fn default() -> RnnCellOptions {
        RnnCellOptions {
            use_bias: true,
            dtype: DType::F32,
        }
    }
}

/// Equinox's `default_init` for a real dtype: `U(key, shape, -lim, lim)` with
/// `lim = sqrt(1 / hidden_size)`, computed in that order (not `1 / sqrt(hidden_size)`, which
/// can round differently) so that the parameters match Python's bit for bit.
fn init(layer: &str, key: Key, shape: &[usize], hidden_size: usize, dtype: DType) -> Array {
    let lim = (1.0 / hidden_size as f64).sqrt();
    if !dtype.is_float() {
        panic!("nn::{layer}: parameters need a floating dtype, got {dtype:?}");
    }
    random::uniform(key, shape, dtype, -lim, lim)
}

/// Panics (as Equinox's `1 / hidden_size` raises) on a cell without hidden units.
fn check_hidden_size(layer: &str, hidden_size: usize) {
    if hidden_size == 0 {
        panic!("nn::{layer}: hidden_size must be positive, got 0");
    }
}

/// Panics unless `x` is one unbatched vector of `n` elements. Equinox leaves this to the
/// matrix product's own error; naming the layer and the argument says which size is wrong.
fn check_vector(layer: &str, what: &str, x: &Array, n: usize) {
    if x.shape() != [n] {
        panic!(
            "nn::{layer}: expected {what} of shape ({n},), got {}; the cell acts on a single \
             unbatched step, so map over a batch (vmap)",
            x.aval()
        );
    }
}

/// One step of a gated recurrent unit (`eqx.nn.GRUCell`): from an input of shape
/// `(input_size,)` and a hidden state of shape `(hidden_size,)`, the new hidden state.
///
/// With `W_ih @ x + bias` split into `(i_r, i_z, i_n)` and `W_hh @ h` into `(h_r, h_z, h_n)`
/// (Equinox's gate order, PyTorch's too):
/// `r = sigmoid(i_r + h_r)`, `z = sigmoid(i_z + h_z)`, `n = tanh(i_n + r * (h_n + bias_n))`,
/// and the result is `n + z * (h - n)`.
///
/// Initialisation is Equinox's: `ihkey, hhkey, bkey, bkey2 = split(key, 4)` and every
/// parameter `~ U(-lim, lim)` with `lim = sqrt(1 / hidden_size)`, bit-exact with Python for
/// the same key.
///
/// ```
/// use equinox as eqx;
/// use eqx::{lax, nn, numpy as jnp, random};
///
/// let cell = nn::GRUCell::new(2, 3, random::key(0));
/// assert_eq!(cell.weight_ih.shape(), &[9, 2]);
/// // eqx.nn.GRUCell(2, 3, key=jax.random.PRNGKey(0)).weight_ih[0, 0]
/// assert_eq!(cell.weight_ih.to_vec::<f32>()[0], 0.3952703);
///
/// // Run over a sequence of 5 inputs with lax::scan, from a zero hidden state.
/// let xs = random::normal(random::key(1), [5, 2], eqx::DType::F32);
/// let (h, ()) = lax::scan(|h, x| (cell.forward(x, h), ()), &jnp::zeros([3]), &xs);
/// assert_eq!(h.shape(), &[3]);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct GRUCell {
    /// The input-to-gates weights, shape `(3 * hidden_size, input_size)`: reset, update and
    /// candidate gates, in that order.
    pub weight_ih: Array,
    /// The hidden-to-gates weights, shape `(3 * hidden_size, hidden_size)`.
    pub weight_hh: Array,
    /// The bias added to `weight_ih @ input`, shape `(3 * hidden_size,)`, or `None` when
    /// built with `use_bias = false`.
    pub bias: Option<Array>,
    /// The bias of the candidate gate's hidden part (inside the reset gate's product), shape
    /// `(hidden_size,)`, or `None` without biases.
    pub bias_n: Option<Array>,
    /// The size of an input.
    #[module(static)]
    pub input_size: usize,
    /// The size of the hidden state.
    #[module(static)]
    pub hidden_size: usize,
    /// Whether the cell has biases.
    #[module(static)]
    pub use_bias: bool,
}

impl GRUCell {
    /// `eqx.nn.GRUCell(input_size, hidden_size, key=key)`: with biases, float32 parameters.
    pub fn new(input_size: usize, hidden_size: usize, key: Key) -> GRUCell {
        GRUCell::with_options(input_size, hidden_size, RnnCellOptions::default(), key)
    }

    /// `eqx.nn.GRUCell(input_size, hidden_size, use_bias, dtype, key=key)`, the settings in
    /// `options`. Panics if `hidden_size` is 0 or the dtype is not a float type.
    pub fn with_options(
        input_size: usize,
        hidden_size: usize,
        options: RnnCellOptions,
        key: Key,
    ) -> GRUCell {
        check_hidden_size("GRUCell", hidden_size);
        let RnnCellOptions { use_bias, dtype } = options;
        let [ihkey, hhkey, bkey, bkey2] = random::split_into(key);
        let init = |key, shape: &[usize]| init("GRUCell", key, shape, hidden_size, dtype);
        let weight_ih = init(ihkey, &[3 * hidden_size, input_size]);
        let weight_hh = init(hhkey, &[3 * hidden_size, hidden_size]);
        let (bias, bias_n) = if use_bias {
            (
                Some(init(bkey, &[3 * hidden_size])),
                Some(init(bkey2, &[hidden_size])),
            )
        } else {
            (None, None)
        };
        GRUCell {
            weight_ih,
            weight_hh,
            bias,
            bias_n,
            input_size,
            hidden_size,
            use_bias,
        }
    }

    /// One step: the new hidden state, shape `(hidden_size,)`, from `input` of shape
    /// `(input_size,)` and `hidden` of shape `(hidden_size,)`. Panics on other shapes (for a
    /// batch, map the cell over the examples).
    pub fn forward(&self, input: &Array, hidden: &Array) -> Array {
        check_vector("GRUCell", "input", input, self.input_size);
        check_vector("GRUCell", "hidden", hidden, self.hidden_size);
        let mut i = self.weight_ih.matmul(input);
        if let Some(bias) = &self.bias {
            i = &i + bias;
        }
        let h = self.weight_hh.matmul(hidden);
        let (igates, hgates) = (jnp::split(&i, 3, 0), jnp::split(&h, 3, 0));
        let reset = super::sigmoid(&(&igates[0] + &hgates[0]));
        let update = super::sigmoid(&(&igates[1] + &hgates[1]));
        let h_n = match &self.bias_n {
            Some(bias_n) => &hgates[2] + bias_n,
            None => hgates[2].clone(),
        };
        let new = jnp::tanh(&(&igates[2] + &(&reset * &h_n)));
        &new + &(&update * &(hidden - &new))
    }
}

/// One step of a long short-term memory unit (`eqx.nn.LSTMCell`): from an input of shape
/// `(input_size,)` and the state `(h, c)`, each of shape `(hidden_size,)`, the new `(h, c)`.
///
/// With `W_ih @ x + W_hh @ h + bias` split into `(i, f, g, o)` (Equinox's gate order, PyTorch's
/// too): `c' = sigmoid(f) * c + sigmoid(i) * tanh(g)` and `h' = sigmoid(o) * tanh(c')`.
///
/// Initialisation is Equinox's: `ihkey, hhkey, bkey = split(key, 3)` and every parameter
/// `~ U(-lim, lim)` with `lim = sqrt(1 / hidden_size)`, bit-exact with Python for the same key.
///
/// ```
/// use equinox as eqx;
/// use eqx::{lax, nn, numpy as jnp, random, Array};
///
/// let cell = nn::LSTMCell::new(2, 3, random::key(0));
/// assert_eq!(cell.weight_hh.shape(), &[12, 3]);
/// // eqx.nn.LSTMCell(2, 3, key=jax.random.PRNGKey(0)).weight_ih[0, 0]
/// assert_eq!(cell.weight_ih.to_vec::<f32>()[0], 0.3952703);
///
/// // The state is an (h, c) pair, carried through lax::scan as a tuple.
/// let xs = random::normal(random::key(1), [5, 2], eqx::DType::F32);
/// let zeros = jnp::zeros([3]);
/// let ((h, c), ()) = lax::scan(
///     |hc: &(Array, Array), x| (cell.forward(x, hc), ()),
///     &(zeros.clone(), zeros),
///     &xs,
/// );
/// assert_eq!((h.shape(), c.shape()), (&[3][..], &[3][..]));
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct LSTMCell {
    /// The input-to-gates weights, shape `(4 * hidden_size, input_size)`: input, forget,
    /// cell and output gates, in that order.
    pub weight_ih: Array,
    /// The hidden-to-gates weights, shape `(4 * hidden_size, hidden_size)`.
    pub weight_hh: Array,
    /// The gates' bias, shape `(4 * hidden_size,)`, or `None` when built with
    /// `use_bias = false`.
    pub bias: Option<Array>,
    /// The size of an input.
    #[module(static)]
    pub input_size: usize,
    /// The size of the hidden state (of `h` and of `c`).
    #[module(static)]
    pub hidden_size: usize,
    /// Whether the cell has a bias.
    #[module(static)]
    pub use_bias: bool,
}

impl LSTMCell {
    /// `eqx.nn.LSTMCell(input_size, hidden_size, key=key)`: with a bias, float32 parameters.
    pub fn new(input_size: usize, hidden_size: usize, key: Key) -> LSTMCell {
        LSTMCell::with_options(input_size, hidden_size, RnnCellOptions::default(), key)
    }

    /// `eqx.nn.LSTMCell(input_size, hidden_size, use_bias, dtype, key=key)`, the settings in
    /// `options`. Panics if `hidden_size` is 0 or the dtype is not a float type.
    pub fn with_options(
        input_size: usize,
        hidden_size: usize,
        options: RnnCellOptions,
        key: Key,
    ) -> LSTMCell {
        check_hidden_size("LSTMCell", hidden_size);
        let RnnCellOptions { use_bias, dtype } = options;
        let [ihkey, hhkey, bkey] = random::split_into(key);
        let init = |key, shape: &[usize]| init("LSTMCell", key, shape, hidden_size, dtype);
        LSTMCell {
            weight_ih: init(ihkey, &[4 * hidden_size, input_size]),
            weight_hh: init(hhkey, &[4 * hidden_size, hidden_size]),
            bias: use_bias.then(|| init(bkey, &[4 * hidden_size])),
            input_size,
            hidden_size,
            use_bias,
        }
    }

    /// One step: the new `(h, c)` from `input` of shape `(input_size,)` and `hidden = (h, c)`,
    /// each of shape `(hidden_size,)`. Panics on other shapes (for a batch, map the cell over
    /// the examples).
    pub fn forward(&self, input: &Array, hidden: &(Array, Array)) -> (Array, Array) {
        let (h, c) = hidden;
        check_vector("LSTMCell", "input", input, self.input_size);
        check_vector("LSTMCell", "h", h, self.hidden_size);
        check_vector("LSTMCell", "c", c, self.hidden_size);
        let mut lin = &self.weight_ih.matmul(input) + &self.weight_hh.matmul(h);
        if let Some(bias) = &self.bias {
            lin = &lin + bias;
        }
        let gates = jnp::split(&lin, 4, 0);
        let i = super::sigmoid(&gates[0]);
        let f = super::sigmoid(&gates[1]);
        let g = jnp::tanh(&gates[2]);
        let o = super::sigmoid(&gates[3]);
        let c = &(&f * c) + &(&i * &g);
        let h = &o * &jnp::tanh(&c);
        (h, c)
    }
}
