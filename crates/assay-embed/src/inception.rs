//! InceptionV3 as pytorch-fid 0.3.0 computes it for FID (`InceptionV3`
//! built by `fid_inception_v3()`: torchvision's `Inception3` with 1008
//! classes and the TensorFlow-compatible blocks `FIDInceptionA`, `C`, `E_1`
//! and `E_2`), from the published `pt_inception-2015-12-05-6726825d.pth`
//! converted to safetensors (`scripts/convert_to_safetensors.py`); tensor
//! names are the state dict's (`Conv2d_1a_3x3.conv.weight`,
//! `Mixed_5b.branch1x1.bn.running_var`, ..., `fc.weight`).
//!
//! The forward pass is pytorch-fid's with `resize_input` and
//! `normalize_input`: pixels in [0, 1] of any size are resized to 299 x 299
//! by PyTorch's bilinear interpolation (`align_corners=False`, no
//! antialiasing), mapped to [-1, 1], and run to the final average pool
//! (the 2048 FID features). The 1008 logits for the Inception Score come
//! from the `fc` layer, with its bias and without (torch-fidelity's
//! `logits_unbiased`). Batch norms are folded into the convolutions when the
//! weights are loaded; each convolution is one matrix product of the folded
//! weights with the input's columns (im2col), so the time goes to `gemm`.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use crate::error::{EmbedError, Result};
use crate::files::ModelFiles;

/// The side the input is resized to.
pub const INPUT_SIZE: usize = 299;
/// Length of the pool features (the FID features).
pub const POOL_FEATURES: usize = 2048;
/// Number of logits (the TensorFlow graph's 1008 classes).
pub const CLASSES: usize = 1008;
/// Batch-norm epsilon of every `BasicConv2d`.
const BN_EPS: f64 = 1e-3;
/// The tensor every Inception state dict has, used to find its prefix.
pub(crate) const PROBE: &str = "Conv2d_1a_3x3.conv.weight";

/// A convolution (no bias) followed by batch norm and ReLU, torchvision's
/// `BasicConv2d`, with the batch norm folded into the convolution.
#[derive(Debug, Clone)]
struct BasicConv {
    /// (out channels, in channels x kernel rows x kernel columns).
    weight: Tensor,
    /// (1, out channels, 1, 1).
    bias: Tensor,
    geometry: Geometry,
}

/// Shape of a `BasicConv`: kernel (rows, columns), stride, padding (rows,
/// columns).
#[derive(Debug, Clone, Copy)]
struct Geometry {
    kernel: (usize, usize),
    stride: usize,
    padding: (usize, usize),
}

impl Geometry {
    /// The output size for an input of `rows` x `cols`.
    fn output_size(&self, rows: usize, cols: usize) -> candle_core::Result<(usize, usize)> {
        let (kh, kw) = self.kernel;
        let (ph, pw) = self.padding;
        if rows + 2 * ph < kh || cols + 2 * pw < kw {
            candle_core::bail!("a {rows} x {cols} input is smaller than a {kh} x {kw} kernel");
        }
        let out = |len: usize, pad: usize, k: usize| (len + 2 * pad - k) / self.stride + 1;
        Ok((out(rows, ph, kh), out(cols, pw, kw)))
    }

    fn is_pointwise(&self) -> bool {
        self.kernel == (1, 1) && self.stride == 1 && self.padding == (0, 0)
    }
}

/// A square kernel of side `k`, with `stride` and `padding` on every side.
const fn square(k: usize, stride: usize, padding: usize) -> Geometry {
    Geometry {
        kernel: (k, k),
        stride,
        padding: (padding, padding),
    }
}

/// A 1 x 1 kernel.
const ONE: Geometry = square(1, 1, 0);

/// A `rows` x `cols` kernel, stride 1, padded to keep the size.
const fn same(rows: usize, cols: usize) -> Geometry {
    Geometry {
        kernel: (rows, cols),
        stride: 1,
        padding: (rows / 2, cols / 2),
    }
}

impl BasicConv {
    /// Loads `conv.weight` and `bn.*` under `vb` and folds the batch norm
    /// into the weights: `w * g / sqrt(v + eps)`, `b - m * g / sqrt(v + eps)`.
    fn load(
        vb: VarBuilder,
        c_in: usize,
        c_out: usize,
        geometry: Geometry,
    ) -> candle_core::Result<Self> {
        let (kh, kw) = geometry.kernel;
        let weight = vb.get((c_out, c_in, kh, kw), "conv.weight")?;
        let bn = vb.pp("bn");
        let gamma = bn.get(c_out, "weight")?;
        let beta = bn.get(c_out, "bias")?;
        let mean = bn.get(c_out, "running_mean")?;
        let var = bn.get(c_out, "running_var")?;
        let scale = gamma.broadcast_div(&(var + BN_EPS)?.sqrt()?)?;
        let weight = weight
            .broadcast_mul(&scale.reshape((c_out, 1, 1, 1))?)?
            .reshape((c_out, c_in * kh * kw))?;
        let bias = (beta - mean.mul(&scale)?)?.reshape((1, c_out, 1, 1))?;
        Ok(BasicConv {
            weight,
            bias,
            geometry,
        })
    }

    /// Convolution as a matrix product of the weights with the input's
    /// columns (the input itself for a 1 x 1 kernel), then bias and ReLU.
    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, c_in, rows, cols) = xs.dims4()?;
        let (out_rows, out_cols) = self.geometry.output_size(rows, cols)?;
        let columns = if self.geometry.is_pointwise() {
            xs.reshape((batch, c_in, rows * cols))?
        } else {
            let values: Vec<f32> = xs.flatten_all()?.to_vec1()?;
            let taps = c_in * self.geometry.kernel.0 * self.geometry.kernel.1;
            let mut columns = vec![0f32; batch * taps * out_rows * out_cols];
            for (image, out) in values
                .chunks_exact(c_in * rows * cols)
                .zip(columns.chunks_exact_mut(taps * out_rows * out_cols))
            {
                im2col(image, (c_in, rows, cols), self.geometry, out);
            }
            Tensor::from_vec(columns, (batch, taps, out_rows * out_cols), xs.device())?
        };
        let c_out = self.weight.dim(0)?;
        self.weight
            .broadcast_matmul(&columns)?
            .reshape((batch, c_out, out_rows, out_cols))?
            .broadcast_add(&self.bias)?
            .relu()
    }
}

/// Writes to `columns` (zeroed, `channels x kh x kw` rows of one value per
/// output position) the columns of a convolution's input (`channels`
/// planes of `rows` x `cols`): row `(channel, i, j)` holds, for each output
/// position, the input value under kernel tap (i, j), zero in the padding.
fn im2col(
    image: &[f32],
    (channels, rows, cols): (usize, usize, usize),
    g: Geometry,
    columns: &mut [f32],
) {
    use rayon::prelude::*;
    let (kh, kw) = g.kernel;
    let Ok((out_rows, out_cols)) = g.output_size(rows, cols) else {
        return;
    };
    columns[..channels * kh * kw * out_rows * out_cols]
        .par_chunks_exact_mut(out_rows * out_cols)
        .enumerate()
        .for_each(|(tap, column)| {
            let plane = &image[(tap / (kh * kw)) * rows * cols..][..rows * cols];
            let (i, j) = ((tap / kw) % kh, tap % kw);
            for (oy, line) in column.chunks_exact_mut(out_cols).enumerate() {
                let Some(y) = (oy * g.stride + i).checked_sub(g.padding.0) else {
                    continue;
                };
                if y >= rows {
                    continue;
                }
                let source = &plane[y * cols..][..cols];
                for (ox, value) in line.iter_mut().enumerate() {
                    let x = (ox * g.stride + j).wrapping_sub(g.padding.1);
                    if x < cols {
                        *value = source[x];
                    }
                }
            }
        });
}

/// Loads the `BasicConv` called `name` under `vb`.
fn conv(
    vb: &VarBuilder,
    name: &str,
    c_in: usize,
    c_out: usize,
    geometry: Geometry,
) -> candle_core::Result<BasicConv> {
    BasicConv::load(vb.pp(name), c_in, c_out, geometry)
}

/// Applies `convs` one after the other.
fn chain(convs: &[BasicConv], xs: &Tensor) -> candle_core::Result<Tensor> {
    convs.iter().try_fold(xs.clone(), |xs, c| c.forward(&xs))
}

/// `F.max_pool2d(x, kernel_size=3, stride=2)`.
fn max_pool_3x3_stride_2(xs: &Tensor) -> candle_core::Result<Tensor> {
    xs.max_pool2d_with_stride(3, 2)
}

/// `F.max_pool2d(x, kernel_size=3, stride=1, padding=1)`: the padding never
/// wins, as PyTorch pads max pools with -inf.
fn max_pool_3x3_same(xs: &Tensor) -> candle_core::Result<Tensor> {
    let padded = pad_with(&pad_with(xs, 2, f32::NEG_INFINITY)?, 3, f32::NEG_INFINITY)?;
    padded.max_pool2d_with_stride(3, 1)
}

/// `F.avg_pool2d(x, kernel_size=3, stride=1, padding=1,
/// count_include_pad=False)`: the mean of the window's pixels inside the
/// image (4 at corners, 6 on edges, 9 inside).
fn avg_pool_3x3_same_excluding_pad(xs: &Tensor) -> candle_core::Result<Tensor> {
    let (_, _, rows, cols) = xs.dims4()?;
    let padded = xs.pad_with_zeros(2, 1, 1)?.pad_with_zeros(3, 1, 1)?;
    let mean_of_nine = padded.avg_pool2d_with_stride(3, 1)?;
    let rescale = Tensor::from_vec(window_rescale(rows, cols), (1, 1, rows, cols), xs.device())?;
    mean_of_nine.broadcast_mul(&rescale)
}

/// `9 / n`, where `n` is the number of pixels of the 3 x 3 window centred
/// on each position that lie inside a `rows` x `cols` image.
fn window_rescale(rows: usize, cols: usize) -> Vec<f32> {
    let inside = |i: usize, len: usize| 1 + usize::from(i > 0) + usize::from(i + 1 < len);
    (0..rows)
        .flat_map(|r| (0..cols).map(move |c| 9.0 / (inside(r, rows) * inside(c, cols)) as f32))
        .collect()
}

/// Pads dimension `dim` by one `value` on each side.
fn pad_with(xs: &Tensor, dim: usize, value: f32) -> candle_core::Result<Tensor> {
    let mut dims = xs.dims().to_vec();
    dims[dim] = 1;
    let edge = Tensor::full(value, dims, xs.device())?.to_dtype(xs.dtype())?;
    Tensor::cat(&[&edge, xs, &edge], dim)
}

/// The pooling branch of a block before its 1 x 1 convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PoolBranch {
    /// Average of the in-image pixels of each 3 x 3 window (TensorFlow's
    /// average pool).
    Average,
    /// Maximum of each 3 x 3 window (`FIDInceptionE_2`).
    Max,
}

impl PoolBranch {
    fn apply(self, xs: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            PoolBranch::Average => avg_pool_3x3_same_excluding_pad(xs),
            PoolBranch::Max => max_pool_3x3_same(xs),
        }
    }
}

/// `FIDInceptionA` (Mixed_5b to 5d).
#[derive(Debug, Clone)]
struct BlockA {
    branch1x1: BasicConv,
    branch5x5: [BasicConv; 2],
    branch3x3dbl: [BasicConv; 3],
    branch_pool: BasicConv,
}

impl BlockA {
    fn load(vb: VarBuilder, c_in: usize, pool_features: usize) -> candle_core::Result<Self> {
        Ok(BlockA {
            branch1x1: conv(&vb, "branch1x1", c_in, 64, ONE)?,
            branch5x5: [
                conv(&vb, "branch5x5_1", c_in, 48, ONE)?,
                conv(&vb, "branch5x5_2", 48, 64, square(5, 1, 2))?,
            ],
            branch3x3dbl: [
                conv(&vb, "branch3x3dbl_1", c_in, 64, ONE)?,
                conv(&vb, "branch3x3dbl_2", 64, 96, square(3, 1, 1))?,
                conv(&vb, "branch3x3dbl_3", 96, 96, square(3, 1, 1))?,
            ],
            branch_pool: conv(&vb, "branch_pool", c_in, pool_features, ONE)?,
        })
    }

    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        let pooled = PoolBranch::Average.apply(xs)?;
        Tensor::cat(
            &[
                self.branch1x1.forward(xs)?,
                chain(&self.branch5x5, xs)?,
                chain(&self.branch3x3dbl, xs)?,
                self.branch_pool.forward(&pooled)?,
            ],
            1,
        )
    }
}

/// torchvision's `InceptionB` (Mixed_6a), a grid reduction.
#[derive(Debug, Clone)]
struct BlockB {
    branch3x3: BasicConv,
    branch3x3dbl: [BasicConv; 3],
}

impl BlockB {
    fn load(vb: VarBuilder, c_in: usize) -> candle_core::Result<Self> {
        Ok(BlockB {
            branch3x3: conv(&vb, "branch3x3", c_in, 384, square(3, 2, 0))?,
            branch3x3dbl: [
                conv(&vb, "branch3x3dbl_1", c_in, 64, ONE)?,
                conv(&vb, "branch3x3dbl_2", 64, 96, square(3, 1, 1))?,
                conv(&vb, "branch3x3dbl_3", 96, 96, square(3, 2, 0))?,
            ],
        })
    }

    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        Tensor::cat(
            &[
                self.branch3x3.forward(xs)?,
                chain(&self.branch3x3dbl, xs)?,
                max_pool_3x3_stride_2(xs)?,
            ],
            1,
        )
    }
}

/// `FIDInceptionC` (Mixed_6b to 6e), with factorised 7 x 7 convolutions.
#[derive(Debug, Clone)]
struct BlockC {
    branch1x1: BasicConv,
    branch7x7: [BasicConv; 3],
    branch7x7dbl: [BasicConv; 5],
    branch_pool: BasicConv,
}

impl BlockC {
    fn load(vb: VarBuilder, c_in: usize, c7: usize) -> candle_core::Result<Self> {
        Ok(BlockC {
            branch1x1: conv(&vb, "branch1x1", c_in, 192, ONE)?,
            branch7x7: [
                conv(&vb, "branch7x7_1", c_in, c7, ONE)?,
                conv(&vb, "branch7x7_2", c7, c7, same(1, 7))?,
                conv(&vb, "branch7x7_3", c7, 192, same(7, 1))?,
            ],
            branch7x7dbl: [
                conv(&vb, "branch7x7dbl_1", c_in, c7, ONE)?,
                conv(&vb, "branch7x7dbl_2", c7, c7, same(7, 1))?,
                conv(&vb, "branch7x7dbl_3", c7, c7, same(1, 7))?,
                conv(&vb, "branch7x7dbl_4", c7, c7, same(7, 1))?,
                conv(&vb, "branch7x7dbl_5", c7, 192, same(1, 7))?,
            ],
            branch_pool: conv(&vb, "branch_pool", c_in, 192, ONE)?,
        })
    }

    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        let pooled = PoolBranch::Average.apply(xs)?;
        Tensor::cat(
            &[
                self.branch1x1.forward(xs)?,
                chain(&self.branch7x7, xs)?,
                chain(&self.branch7x7dbl, xs)?,
                self.branch_pool.forward(&pooled)?,
            ],
            1,
        )
    }
}

/// torchvision's `InceptionD` (Mixed_7a), a grid reduction.
#[derive(Debug, Clone)]
struct BlockD {
    branch3x3: [BasicConv; 2],
    branch7x7x3: [BasicConv; 4],
}

impl BlockD {
    fn load(vb: VarBuilder, c_in: usize) -> candle_core::Result<Self> {
        Ok(BlockD {
            branch3x3: [
                conv(&vb, "branch3x3_1", c_in, 192, ONE)?,
                conv(&vb, "branch3x3_2", 192, 320, square(3, 2, 0))?,
            ],
            branch7x7x3: [
                conv(&vb, "branch7x7x3_1", c_in, 192, ONE)?,
                conv(&vb, "branch7x7x3_2", 192, 192, same(1, 7))?,
                conv(&vb, "branch7x7x3_3", 192, 192, same(7, 1))?,
                conv(&vb, "branch7x7x3_4", 192, 192, square(3, 2, 0))?,
            ],
        })
    }

    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        Tensor::cat(
            &[
                chain(&self.branch3x3, xs)?,
                chain(&self.branch7x7x3, xs)?,
                max_pool_3x3_stride_2(xs)?,
            ],
            1,
        )
    }
}

/// `FIDInceptionE_1` (Mixed_7b, average pool) and `FIDInceptionE_2`
/// (Mixed_7c, max pool), with split 3 x 3 convolutions.
#[derive(Debug, Clone)]
struct BlockE {
    branch1x1: BasicConv,
    branch3x3_1: BasicConv,
    branch3x3_2: [BasicConv; 2],
    branch3x3dbl: [BasicConv; 2],
    branch3x3dbl_3: [BasicConv; 2],
    branch_pool: BasicConv,
    pool: PoolBranch,
}

impl BlockE {
    fn load(vb: VarBuilder, c_in: usize, pool: PoolBranch) -> candle_core::Result<Self> {
        Ok(BlockE {
            branch1x1: conv(&vb, "branch1x1", c_in, 320, ONE)?,
            branch3x3_1: conv(&vb, "branch3x3_1", c_in, 384, ONE)?,
            branch3x3_2: [
                conv(&vb, "branch3x3_2a", 384, 384, same(1, 3))?,
                conv(&vb, "branch3x3_2b", 384, 384, same(3, 1))?,
            ],
            branch3x3dbl: [
                conv(&vb, "branch3x3dbl_1", c_in, 448, ONE)?,
                conv(&vb, "branch3x3dbl_2", 448, 384, square(3, 1, 1))?,
            ],
            branch3x3dbl_3: [
                conv(&vb, "branch3x3dbl_3a", 384, 384, same(1, 3))?,
                conv(&vb, "branch3x3dbl_3b", 384, 384, same(3, 1))?,
            ],
            branch_pool: conv(&vb, "branch_pool", c_in, 192, ONE)?,
            pool,
        })
    }

    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        let split = self.branch3x3_1.forward(xs)?;
        let split_dbl = chain(&self.branch3x3dbl, xs)?;
        let pooled = self.pool.apply(xs)?;
        Tensor::cat(
            &[
                self.branch1x1.forward(xs)?,
                self.branch3x3_2[0].forward(&split)?,
                self.branch3x3_2[1].forward(&split)?,
                self.branch3x3dbl_3[0].forward(&split_dbl)?,
                self.branch3x3dbl_3[1].forward(&split_dbl)?,
                self.branch_pool.forward(&pooled)?,
            ],
            1,
        )
    }
}

/// One of the eleven mixed blocks.
#[derive(Debug, Clone)]
enum Mixed {
    A(BlockA),
    B(BlockB),
    C(BlockC),
    D(BlockD),
    E(BlockE),
}

impl Mixed {
    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Mixed::A(block) => block.forward(xs),
            Mixed::B(block) => block.forward(xs),
            Mixed::C(block) => block.forward(xs),
            Mixed::D(block) => block.forward(xs),
            Mixed::E(block) => block.forward(xs),
        }
    }
}

/// What the network computes for a batch of images, one row per image.
#[derive(Debug, Clone, PartialEq)]
pub struct InceptionOutput {
    /// The 2048 features of the final average pool (FID, KID, precision
    /// and recall).
    pub pool: Vec<Vec<f32>>,
    /// The 1008 logits `pool @ fc.weight^T + fc.bias` (Inception Score).
    pub logits: Vec<Vec<f32>>,
    /// The logits without the bias, `pool @ fc.weight^T`
    /// (torch-fidelity's `logits_unbiased`, its Inception Score input).
    pub logits_unbiased: Vec<Vec<f32>>,
}

/// The FID InceptionV3 network.
#[derive(Debug, Clone)]
pub struct Inception {
    stem: Vec<BasicConv>,
    mixed: Vec<Mixed>,
    fc_weight: Tensor,
    fc_bias: Tensor,
}

impl Inception {
    /// Builds the network from weights named as in pytorch-fid's state dict.
    pub fn load(vb: VarBuilder) -> candle_core::Result<Inception> {
        let stem = vec![
            conv(&vb, "Conv2d_1a_3x3", 3, 32, square(3, 2, 0))?,
            conv(&vb, "Conv2d_2a_3x3", 32, 32, square(3, 1, 0))?,
            conv(&vb, "Conv2d_2b_3x3", 32, 64, square(3, 1, 1))?,
            conv(&vb, "Conv2d_3b_1x1", 64, 80, ONE)?,
            conv(&vb, "Conv2d_4a_3x3", 80, 192, square(3, 1, 0))?,
        ];
        let mixed = vec![
            Mixed::A(BlockA::load(vb.pp("Mixed_5b"), 192, 32)?),
            Mixed::A(BlockA::load(vb.pp("Mixed_5c"), 256, 64)?),
            Mixed::A(BlockA::load(vb.pp("Mixed_5d"), 288, 64)?),
            Mixed::B(BlockB::load(vb.pp("Mixed_6a"), 288)?),
            Mixed::C(BlockC::load(vb.pp("Mixed_6b"), 768, 128)?),
            Mixed::C(BlockC::load(vb.pp("Mixed_6c"), 768, 160)?),
            Mixed::C(BlockC::load(vb.pp("Mixed_6d"), 768, 160)?),
            Mixed::C(BlockC::load(vb.pp("Mixed_6e"), 768, 192)?),
            Mixed::D(BlockD::load(vb.pp("Mixed_7a"), 768)?),
            Mixed::E(BlockE::load(vb.pp("Mixed_7b"), 1280, PoolBranch::Average)?),
            Mixed::E(BlockE::load(vb.pp("Mixed_7c"), 2048, PoolBranch::Max)?),
        ];
        Ok(Inception {
            stem,
            mixed,
            fc_weight: vb.get((CLASSES, POOL_FEATURES), "fc.weight")?,
            fc_bias: vb.get(CLASSES, "fc.bias")?,
        })
    }

    /// Pool features, logits and unbiased logits of `pixels` (batch, 3,
    /// height, width) with values in [0, 1], images of any size.
    pub fn forward(&self, pixels: &Tensor) -> Result<InceptionOutput> {
        let pool = self.pool_features(pixels)?;
        let unbiased = pool.matmul(&self.fc_weight.t()?)?;
        let logits = unbiased.broadcast_add(&self.fc_bias)?;
        Ok(InceptionOutput {
            pool: pool.to_vec2()?,
            logits: logits.to_vec2()?,
            logits_unbiased: unbiased.to_vec2()?,
        })
    }

    /// The pool features (batch, 2048) of `pixels` (batch, 3, height,
    /// width) with values in [0, 1].
    pub fn pool_features(&self, pixels: &Tensor) -> Result<Tensor> {
        let xs = resize_for_inception(pixels)?.affine(2.0, -1.0)?;
        Ok(self.run(&xs)?)
    }

    /// The network on (batch, 3, 299, 299) inputs in [-1, 1].
    fn run(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        let [c1a, c2a, c2b, c3b, c4a] = &self.stem[..] else {
            candle_core::bail!("the Inception stem has {} convolutions", self.stem.len());
        };
        let xs = max_pool_3x3_stride_2(&c2b.forward(&c2a.forward(&c1a.forward(xs)?)?)?)?;
        let xs = max_pool_3x3_stride_2(&c4a.forward(&c3b.forward(&xs)?)?)?;
        let xs = self
            .mixed
            .iter()
            .try_fold(xs, |xs, block| block.forward(&xs))?;
        xs.flatten_from(2)?.mean(2)
    }
}

/// Checks that `pixels` is (batch, 3, height, width) with a non-empty
/// image and resizes it to 299 x 299 as `F.interpolate(mode="bilinear",
/// align_corners=False)` does.
fn resize_for_inception(pixels: &Tensor) -> Result<Tensor> {
    let shape_error = || {
        EmbedError::Input(format!(
            "Inception expects pixels shaped (batch, 3, height, width), got {:?}",
            pixels.dims()
        ))
    };
    let (batch, channels, rows, cols) = pixels.dims4().map_err(|_| shape_error())?;
    if channels != 3 || batch == 0 || rows == 0 || cols == 0 {
        return Err(shape_error());
    }
    let values: Vec<f32> = pixels.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
    let mut resized = Vec::with_capacity(batch * channels * INPUT_SIZE * INPUT_SIZE);
    for plane in values.chunks_exact(rows * cols) {
        resized.extend(crate::interpolate::bilinear_resize(
            plane, rows, cols, INPUT_SIZE, INPUT_SIZE,
        ));
    }
    Ok(Tensor::from_vec(
        resized,
        (batch, channels, INPUT_SIZE, INPUT_SIZE),
        pixels.device(),
    )?)
}

/// An 8-bit RGB image (`width * height * 3` bytes, rows top to bottom,
/// channels interleaved) as the (1, 3, height, width) tensor of values in
/// [0, 1] that [`Inception::forward`] takes: `value / 255` in `f32`, as
/// torchvision's `ToTensor` (pytorch-fid's preprocessing) computes it.
pub fn rgb_to_tensor(width: usize, height: usize, rgb: &[u8], device: &Device) -> Result<Tensor> {
    if width == 0 || height == 0 || rgb.len() != width * height * 3 {
        return Err(EmbedError::Input(format!(
            "expected {width} x {height} x 3 = {} RGB bytes, got {}",
            width * height * 3,
            rgb.len()
        )));
    }
    let plane = width * height;
    let mut values = vec![0f32; 3 * plane];
    for (i, pixel) in rgb.chunks_exact(3).enumerate() {
        for (channel, &byte) in pixel.iter().enumerate() {
            values[channel * plane + i] = f32::from(byte) / 255.0;
        }
    }
    Ok(Tensor::from_vec(values, (1, 3, height, width), device)?)
}

/// A decoded image as [`rgb_to_tensor`] makes it, converted to RGB first as
/// PIL's `convert("RGB")` does (grey replicated, alpha dropped).
pub fn pixels_to_tensor(pixels: &assay_image::decode::Pixels, device: &Device) -> Result<Tensor> {
    if pixels.data.len() != pixels.len() * pixels.mode.channels() {
        return Err(EmbedError::Input(format!(
            "a {} x {} {} image needs {} bytes, got {}",
            pixels.width,
            pixels.height,
            pixels.mode.name(),
            pixels.len() * pixels.mode.channels(),
            pixels.data.len()
        )));
    }
    let rgb = crate::preprocess::to_rgb(pixels);
    rgb_to_tensor(pixels.width, pixels.height, &rgb, device)
}

/// How images reach the FID Inception's 299 x 299 input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InceptionResize {
    /// pytorch-fid and torch-fidelity: the image as it is, resized inside
    /// the network (bilinear, no antialiasing).
    #[default]
    PytorchFid,
    /// clean-fid's "clean" mode: each channel resized to 299 x 299 as a
    /// float image with PIL's antialiased bicubic filter and clipped to
    /// 0..=255 before the network. (clean-fid's own network then scales by
    /// (x - 128) / 128 where pytorch-fid's uses x / 127.5 - 1; assay keeps
    /// pytorch-fid's network and scaling.)
    Clean,
}

/// A decoded image as clean-fid's "clean" mode prepares it: RGB, each
/// channel resized to 299 x 299 (PIL mode F, bicubic) and clipped to
/// 0..=255, then divided by 255 as [`rgb_to_tensor`] does.
pub fn clean_resize_tensor(
    pixels: &assay_image::decode::Pixels,
    device: &Device,
) -> Result<Tensor> {
    use assay_image::resample::{resize_f32, Filter};
    let rgb = crate::preprocess::to_rgb(pixels);
    let size = (pixels.width, pixels.height);
    let mut values = Vec::with_capacity(3 * INPUT_SIZE * INPUT_SIZE);
    for channel in 0..3 {
        let plane: Vec<f32> = rgb
            .iter()
            .skip(channel)
            .step_by(3)
            .map(|&v| f32::from(v))
            .collect();
        let resized = resize_f32(&plane, size, (INPUT_SIZE, INPUT_SIZE), Filter::Bicubic);
        values.extend(resized.iter().map(|v| v.clamp(0.0, 255.0) / 255.0));
    }
    Ok(Tensor::from_vec(
        values,
        (1, 3, INPUT_SIZE, INPUT_SIZE),
        device,
    )?)
}

/// Loads the FID Inception from `files` (a `.safetensors` file or a folder
/// holding `model.safetensors`; no `config.json` is needed, the
/// architecture is fixed). Tensor names may carry a `module.` prefix (a
/// state dict saved from `DataParallel`).
pub fn load_inception(files: &ModelFiles, device: &Device) -> Result<Inception> {
    let vb = crate::weights::var_builder(files, device)?;
    let vb = if !vb.contains_tensor(PROBE) && vb.contains_tensor(&format!("module.{PROBE}")) {
        vb.pp("module")
    } else {
        vb
    };
    Inception::load(vb).map_err(|err| EmbedError::Weights {
        file: files.weights[0].clone(),
        message: format!(
            "{err} (expected the FID InceptionV3 state dict, pt_inception-2015-12-05-6726825d.pth \
             converted with scripts/convert_to_safetensors.py)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: usize, height: usize) -> assay_image::decode::Pixels {
        assay_image::decode::Pixels {
            width,
            height,
            mode: assay_image::decode::ColorMode::Rgb,
            data: (0..width * height * 3)
                .map(|i| (i * 37 % 251) as u8)
                .collect(),
        }
    }

    #[test]
    fn clean_resize_leaves_a_299_image_as_pytorch_fid_sees_it() {
        let px = image(INPUT_SIZE, INPUT_SIZE);
        let clean = clean_resize_tensor(&px, &Device::Cpu).unwrap();
        let plain = pixels_to_tensor(&px, &Device::Cpu).unwrap();
        let diff = (clean - plain).unwrap().abs().unwrap().max_all().unwrap();
        assert_eq!(diff.to_scalar::<f32>().unwrap(), 0.0);
    }

    #[test]
    fn clean_resize_gives_the_network_input_size_in_range() {
        let t = clean_resize_tensor(&image(64, 40), &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[1, 3, INPUT_SIZE, INPUT_SIZE]);
        let values = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn window_rescale_counts_in_image_pixels() {
        let rescale = window_rescale(3, 4);
        let counts: Vec<f32> = rescale.iter().map(|r| 9.0 / r).collect();
        assert_eq!(
            counts,
            vec![4.0, 6.0, 6.0, 4.0, 6.0, 9.0, 9.0, 6.0, 4.0, 6.0, 6.0, 4.0]
        );
        assert_eq!(window_rescale(1, 1), vec![9.0]);
    }

    #[test]
    fn average_pool_excludes_the_padding() -> candle_core::Result<()> {
        let xs = Tensor::new(&[[[[1f32, 2.0], [3.0, 4.0]]]], &Device::Cpu)?;
        let pooled: Vec<f32> = avg_pool_3x3_same_excluding_pad(&xs)?
            .flatten_all()?
            .to_vec1()?;
        assert!(pooled.iter().all(|v| (v - 2.5).abs() < 1e-6), "{pooled:?}");
        Ok(())
    }

    #[test]
    fn max_pool_ignores_the_padding_of_negative_inputs() -> candle_core::Result<()> {
        let xs = Tensor::new(&[[[[-1f32, -2.0], [-3.0, -4.0]]]], &Device::Cpu)?;
        let pooled: Vec<f32> = max_pool_3x3_same(&xs)?.flatten_all()?.to_vec1()?;
        assert_eq!(pooled, vec![-1.0; 4]);
        Ok(())
    }

    #[test]
    fn rgb_bytes_become_planes_in_unit_range() -> Result<()> {
        let rgb = [0u8, 51, 255, 255, 0, 102];
        let tensor = rgb_to_tensor(2, 1, &rgb, &Device::Cpu)?;
        assert_eq!(tensor.dims(), &[1, 3, 1, 2]);
        let values: Vec<f32> = tensor.flatten_all()?.to_vec1()?;
        assert_eq!(values, vec![0.0, 1.0, 0.2, 0.0, 1.0, 0.4]);
        assert!(rgb_to_tensor(2, 2, &rgb, &Device::Cpu).is_err());
        Ok(())
    }

    #[test]
    fn bad_input_shapes_are_input_errors() {
        let two_channels = Tensor::zeros((1, 2, 5, 5), DType::F32, &Device::Cpu).unwrap();
        let flat = Tensor::zeros((3, 5), DType::F32, &Device::Cpu).unwrap();
        for pixels in [two_channels, flat] {
            let err = resize_for_inception(&pixels).unwrap_err();
            assert!(matches!(err, EmbedError::Input(_)), "{err}");
        }
    }

    #[test]
    fn a_file_without_inception_tensors_names_the_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.safetensors");
        let tensor = Tensor::zeros(4, DType::F32, &Device::Cpu).unwrap();
        candle_core::safetensors::save(
            &std::collections::HashMap::from([("text.weight".to_string(), tensor)]),
            &path,
        )
        .unwrap();
        let files = ModelFiles::locate(&path).unwrap();
        let err = load_inception(&files, &Device::Cpu).unwrap_err();
        assert!(matches!(err, EmbedError::Weights { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("Conv2d_1a_3x3.conv.weight"), "{text}");
        assert!(text.contains("other.safetensors"), "{text}");
    }
}
