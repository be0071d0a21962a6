"""L0 optimizers: textbook Adam, continuous-time synaptic Adam, N1, N2."""
import numpy as np
import pytest

from lava_bioadam.model.optimizers import Adam, SynapticAdam, SynapticN1, SynapticN2

LR, B1, B2, EPS = 1e-2, 0.9, 0.999, 1e-8


def closed_form_two_steps(g1, g2, bias_correction):
    """Adam's first two updates written out by hand from Kingma & Ba's algorithm."""
    m1, v1 = (1 - B1) * g1, (1 - B2) * g1 ** 2
    m2, v2 = B1 * m1 + (1 - B1) * g2, B2 * v1 + (1 - B2) * g2 ** 2
    if bias_correction:
        s1 = LR / (1 - B1) * m1 / (np.sqrt(v1) / np.sqrt(1 - B2) + EPS)
        s2 = LR / (1 - B1 ** 2) * m2 / (np.sqrt(v2) / np.sqrt(1 - B2 ** 2) + EPS)
    else:
        s1 = LR * m1 / (np.sqrt(v1) + EPS)
        s2 = LR * m2 / (np.sqrt(v2) + EPS)
    return s1, s2


@pytest.mark.parametrize("bias_correction", [True, False])
@pytest.mark.parametrize("cls", ["adam", "synaptic"])
def test_one_euler_step_is_textbook_adam(cls, bias_correction):
    rng = np.random.default_rng(1)
    w0 = rng.normal(size=(3, 4))
    pre1, post1, pre2, post2 = rng.normal(size=4), rng.normal(size=3), rng.normal(size=4), rng.normal(size=3)
    if cls == "adam":
        opt = Adam(w0.shape, LR, B1, B2, EPS, bias_correction)
    else:
        opt = SynapticAdam.from_adam(w0.shape, LR, B1, B2, EPS, bias_correction=bias_correction)
    w1 = opt.step(w0, pre1, post1)
    w2 = opt.step(w1, pre2, post2)
    s1, s2 = closed_form_two_steps(np.outer(post1, pre1), np.outer(post2, pre2), bias_correction)
    np.testing.assert_allclose(w1, w0 - s1, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(w2, w0 - s1 - s2, rtol=1e-13, atol=1e-15)
    if bias_correction:
        # First bias-corrected Adam step is lr * g / (|g| + eps): lr * sign(g) up to eps.
        g = np.outer(post1, pre1)
        np.testing.assert_allclose(w0 - w1, LR * g / (np.abs(g) + EPS), rtol=1e-13)


def test_synaptic_adam_matches_adam_over_a_long_run():
    rng = np.random.default_rng(2)
    w_a = w_s = rng.normal(size=(5, 6))
    a, s = Adam(w_a.shape, LR), SynapticAdam.from_adam(w_s.shape, LR)
    for _ in range(300):
        pre, post = rng.normal(size=6), rng.normal(size=5)
        w_a, w_s = a.step(w_a, pre, post), s.step(w_s, pre, post)
    np.testing.assert_allclose(w_s, w_a, rtol=1e-10, atol=1e-13)


def _trajectory(make, substeps, samples):
    opt = make(substeps)
    w = np.full((2, 3), 0.3)
    for pre, post in samples:
        w = opt.step(w, pre, post)
    return w


@pytest.mark.parametrize("name,make", [
    ("synaptic_adam", lambda n: SynapticAdam((2, 3), eta=0.05, tau_m=3.0, tau_v=8.0,
                                             eps=1e-3, substeps=n)),
    ("n1", lambda n: SynapticN1((2, 3), eta=0.05, tau_m=3.0, tau_r=4.0, eps=0.1, r0=0.5,
                                substeps=n)),
    ("n2", lambda n: SynapticN2((2, 3), eta=0.05, tau_m=3.0, tau_n=5.0, eps=1e-3,
                                substeps=n)),
])
def test_substepping_converges_first_order(name, make):
    """Euler sub-stepping converges to the continuous-time solution: error ~ dt^p, p ~ 1."""
    rng = np.random.default_rng(3)
    samples = [(rng.uniform(0, 1, 3), rng.normal(size=2)) for _ in range(20)]
    exact = _trajectory(make, 8192, samples)
    ns = [16, 32, 64, 128, 256]
    errs = np.array([np.abs(_trajectory(make, n, samples) - exact).max() for n in ns])
    orders = np.log2(errs[:-1] / errs[1:])  # local order per halving of the step
    print(f"{name}: errors {errs}, local orders {np.round(orders, 3)}")
    assert np.all(np.diff(errs) < 0), errs
    assert 0.9 < orders[-1] < 1.1  # first order (Euler) in the asymptotic regime


def test_n1_normaliser_settles_at_inverse_mean_abs_gradient():
    rng = np.random.default_rng(4)
    sigma, eps, n = 0.2, 0.05, 20000
    opt = SynapticN1((1, 1), eta=0.0, tau_m=10.0, tau_r=20.0, eps=eps, r0=0.0)
    w = np.zeros((1, 1))
    rs = np.empty(n)
    for k in range(n):
        w = opt.step(w, np.ones(1), rng.normal(0, sigma, 1))
        rs[k] = opt.r[0, 0]
    expected = 1.0 / (sigma * np.sqrt(2 / np.pi) + eps)
    settled = rs[n // 4:].mean()
    print(f"N1: r settles at {settled:.4f}, 1/(E|g| + eps) = {expected:.4f}")
    assert abs(settled / expected - 1) < 0.02


def test_n1_multiplicative_has_the_same_fixed_point():
    rng = np.random.default_rng(5)
    opt = SynapticN1((1, 1), eta=0.0, tau_r=50.0, eps=0.05, r0=1.0, form="multiplicative")
    rs = []
    for k in range(20000):
        opt.step(np.zeros((1, 1)), np.ones(1), rng.normal(0, 0.2, 1))
        rs.append(opt.r[0, 0])
    expected = 1.0 / (0.2 * np.sqrt(2 / np.pi) + 0.05)
    assert abs(np.mean(rs[5000:]) / expected - 1) < 0.05


def test_bad_optimizer_settings_are_rejected():
    with pytest.raises(ValueError, match="substeps"):
        SynapticN1((1, 1), eta=1.0, substeps=0)
    with pytest.raises(ValueError, match="order"):
        SynapticN1((1, 1), eta=1.0, order="backwards")
    with pytest.raises(ValueError, match="r0 > 0"):
        SynapticN1((1, 1), eta=1.0, form="multiplicative", r0=0.0)


@pytest.mark.parametrize("bias_correction", [False, True])
def test_n2_one_step_by_hand(bias_correction):
    """One semi-implicit Euler step of N2 (h = 1), written out by hand; ``eps`` is
    added to the square root, not inside it.

    pre 2, post (3, -1), tau_n 4, tau_m 2, eta 0.5, eps 1: mean squares
    s_pre = 4 / 4 = 1, s_post = (9, 1) / 4 = (2.25, 0.25). Without bias correction
    pre_n = 2 / (1 + 1) = 1, post_n = (3 / (1.5 + 1), -1 / (0.5 + 1)) = (1.2, -2/3).
    With it the gain is 1 - (1 - 1/4) = 1/4: s_hat = 4 s, pre_n = 2 / (2 + 1) = 2/3,
    post_n = (3 / (3 + 1), -1 / (1 + 1)) = (0.75, -0.5). m = pre_n post_n / tau_m,
    w = w0 - eta m."""
    opt = SynapticN2((2, 1), eta=0.5, tau_m=2.0, tau_n=4.0, eps=1.0,
                     bias_correction=bias_correction)
    w0 = np.array([[0.25], [-0.5]])
    w = opt.step(w0, np.array([2.0]), np.array([3.0, -1.0]))
    pre_n, post_n = (2 / 3, np.array([0.75, -0.5])) if bias_correction else \
        (1.0, np.array([1.2, -2 / 3]))
    m = pre_n * post_n / 2.0
    np.testing.assert_allclose(opt.s_pre, [1.0], rtol=1e-15)
    np.testing.assert_allclose(opt.s_post, [2.25, 0.25], rtol=1e-15)
    np.testing.assert_allclose(opt.m[:, 0], m, rtol=1e-14)
    np.testing.assert_allclose(w[:, 0], w0[:, 0] - 0.5 * m, rtol=1e-14)


def test_n2_sends_normalised_signals_as_7_bit_codes_when_asked():
    """The step of ``test_n2_one_step_by_hand`` without bias correction, the signals
    coded over +-2 in 127 levels (63.5 codes per unit): pre_n 1 -> 63.5 -> 64 codes
    (numpy rounds half to even) = 64/63.5; post_n 1.2 -> 76.2 -> 76 = 76/63.5,
    -2/3 -> -42.33 -> -42 = -42/63.5. A signal beyond the range saturates at 127
    codes = 2; a nonzero signal that rounds to 0 codes is sent as 1 code (a 0 payload
    is no spike on the engine)."""
    opt = SynapticN2((2, 1), eta=0.5, tau_m=2.0, tau_n=4.0, eps=1.0,
                     bias_correction=False, code=(2.0, 127))
    opt.step(np.zeros((2, 1)), np.array([2.0]), np.array([3.0, -1.0]))
    q = 127 / 2.0
    m = (64 / q) * np.array([76 / q, -42 / q]) / 2.0
    np.testing.assert_allclose(opt.m[:, 0], m, rtol=1e-14)
    assert not np.allclose(m, 1.0 * np.array([1.2, -2 / 3]) / 2.0, rtol=1e-3)
    big = SynapticN2((1, 1), eta=0.5, tau_m=1.0, tau_n=1e6, eps=1e-3,
                     bias_correction=False, code=(2.0, 127))
    big.step(np.zeros((1, 1)), np.array([1.0]), np.array([1.0]))   # both ~1000
    np.testing.assert_allclose(big.m, [[4.0]], rtol=1e-15)
    small = SynapticN2((1, 1), eta=0.5, tau_m=1.0, tau_n=1e6, eps=1.0,
                       bias_correction=False, code=(16.0, 127))
    small.step(np.zeros((1, 1)), np.array([1e-3]), np.array([1.0]))
    q = 127 / 16.0                    # pre 1e-3 -> 0.008 codes -> 1; post 0.999 -> 8
    np.testing.assert_allclose(small.m, [[(1 / q) * (8 / q)]], rtol=1e-14)
    with pytest.raises(ValueError, match="code"):
        SynapticN2((1, 1), eta=0.5, code=(0.0, 127))


def test_n2_warmup_mean_square_by_hand():
    """warmup, tau_n 4: the k-th sample weighs 2**-ceil(log2 k), then 1/4: pre 2, 0,
    0, 0, 0 gives s = 4, 2, 1.5, 1.125, 0.84375 (weights 1, 1/2, 1/4, 1/4, 1/4, where
    1/8 would be the warm-up's); normalised without bias correction."""
    opt = SynapticN2((1, 1), eta=0.5, tau_m=1.0, tau_n=4.0, eps=0.5, warmup=True)
    got = []
    for pre in (2.0, 0.0, 0.0, 0.0, 0.0):
        opt.step(np.zeros((1, 1)), np.array([pre]), np.array([1.0]))
        got.append(opt.s_pre[0])
    assert got == [4.0, 2.0, 1.5, 1.125, 0.84375]
    assert not opt.bias_correction
    one = SynapticN2((1, 1), eta=0.5, tau_m=1.0, tau_n=4.0, eps=0.5, warmup=True)
    one.step(np.zeros((1, 1)), np.array([2.0]), np.array([1.0]))
    assert one.m[0, 0] == (2 / (2 + 0.5)) * (1 / (1 + 0.5))
