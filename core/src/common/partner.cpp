// The decode partner thread and the matrix–vector kernel it shares.
#include "common/partner.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ALIGNSCOPE_PAUSE() _mm_pause()
#else
#define ALIGNSCOPE_PAUSE() std::this_thread::yield()
#endif

namespace alignscope {

namespace kernels {

namespace {

/// One row's dot product with x, its arithmetic fixed: four 8-lane fma
/// accumulators over 32-column blocks in order, the 8-column blocks left
/// into the first, a fixed reduction, then the tail columns by fma in order.
/// Rows are read one after another (one sequential stream, which the
/// hardware prefetcher follows best) and never mix, so how rows are split
/// between threads does not change any bit.
#if defined(__AVX2__) && defined(__FMA__)
/// The four accumulators' sum, in a fixed order: ((a0 + a1) + (a2 + a3)), halves, pairs.
inline float reduce(__m256 a0, __m256 a1, __m256 a2, __m256 a3)
{
    const __m256 a = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
}

inline float dotRow(const float *w, const float *x, Eigen::Index n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    Eigen::Index i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8)
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
    float sum = reduce(a0, a1, a2, a3);
    for (; i < n; ++i)
        sum = std::fma(w[i], x[i], sum);
    return sum;
}
#else
inline float dotRow(const float *w, const float *x, Eigen::Index n)
{
    float acc[4][8] = {};
    Eigen::Index i = 0;
    for (; i + 32 <= n; i += 32)
        for (int a = 0; a < 4; ++a)
            for (int l = 0; l < 8; ++l)
                acc[a][l] = std::fma(w[i + 8 * a + l], x[i + 8 * a + l], acc[a][l]);
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; ++l)
            acc[0][l] = std::fma(w[i + l], x[i + l], acc[0][l]);
    float v[8];
    for (int l = 0; l < 8; ++l)
        v[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
    float sum = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
    for (; i < n; ++i)
        sum = std::fma(w[i], x[i], sum);
    return sum;
}
#endif

/// The float32 value of a 16-bit weight (exact).
inline float widen(std::uint16_t b, HalfMatrix::Kind kind)
{
    if (kind == HalfMatrix::Kind::BF16) {
        const std::uint32_t u = std::uint32_t(b) << 16;
        float f;
        std::memcpy(&f, &u, sizeof f);
        return f;
    }
#if defined(__F16C__)
    return _cvtsh_ss(b);
#else
    return float(Eigen::numext::bit_cast<Eigen::half>(b));
#endif
}

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
template <HalfMatrix::Kind K>
inline __m256 load8(const std::uint16_t *w)
{
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w));
    if constexpr (K == HalfMatrix::Kind::F16)
        return _mm256_cvtph_ps(h);
    else
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/// dotRow on 16-bit weights, widened as they are read: the same operations in the same order.
template <HalfMatrix::Kind K>
inline float dotRowHalf(const std::uint16_t *w, const float *x, Eigen::Index n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    Eigen::Index i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(load8<K>(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(load8<K>(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(load8<K>(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(load8<K>(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8)
        a0 = _mm256_fmadd_ps(load8<K>(w + i), _mm256_loadu_ps(x + i), a0);
    float sum = reduce(a0, a1, a2, a3);
    for (; i < n; ++i)
        sum = std::fma(widen(w[i], K), x[i], sum);
    return sum;
}
#else
template <HalfMatrix::Kind K>
inline float dotRowHalf(const std::uint16_t *w, const float *x, Eigen::Index n)
{
    // A row widened into a buffer, then the float32 kernel: the same operations.
    thread_local std::vector<float> row;
    row.resize(size_t(n));
    for (Eigen::Index i = 0; i < n; ++i)
        row[size_t(i)] = widen(w[i], K);
    return dotRow(row.data(), x, n);
}
#endif

} // namespace

void gemvRows(const float *W, Eigen::Index ld, Eigen::Index cols, const float *x, float *y, Eigen::Index r0,
              Eigen::Index r1)
{
    for (Eigen::Index r = r0; r < r1; ++r)
        y[r] = dotRow(W + r * ld, x, cols);
}

void gemvRowsHalf(const HalfMatrix &W, const float *x, float *y, Eigen::Index r0, Eigen::Index r1)
{
    const std::uint16_t *w = W.bits.data();
    if (W.kind == HalfMatrix::Kind::F16)
        for (Eigen::Index r = r0; r < r1; ++r)
            y[r] = dotRowHalf<HalfMatrix::Kind::F16>(w + r * W.cols, x, W.cols);
    else
        for (Eigen::Index r = r0; r < r1; ++r)
            y[r] = dotRowHalf<HalfMatrix::Kind::BF16>(w + r * W.cols, x, W.cols);
}

std::optional<HalfMatrix> exactHalf(const Matrix &W)
{
    HalfMatrix h;
    h.rows = W.rows();
    h.cols = W.cols();
    h.bits.resize(size_t(W.size()));
    const float *v = W.data();
    const Eigen::Index n = W.size();
    for (HalfMatrix::Kind kind : {HalfMatrix::Kind::F16, HalfMatrix::Kind::BF16}) {
        h.kind = kind;
        Eigen::Index i = 0;
        for (; i < n; ++i) {
            std::uint16_t b;
            if (kind == HalfMatrix::Kind::F16) {
#if defined(__F16C__)
                b = _cvtss_sh(v[i], _MM_FROUND_TO_NEAREST_INT);
#else
                b = Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(v[i]));
#endif
            } else {
                std::uint32_t u;
                std::memcpy(&u, &v[i], sizeof u);
                b = std::uint16_t(u >> 16);
            }
            const float back = widen(b, kind);
            if (std::memcmp(&back, &v[i], sizeof back) != 0)
                break;
            h.bits[size_t(i)] = b;
        }
        if (i == n)
            return h;
    }
    return std::nullopt;
}

} // namespace kernels

namespace {

/// One hand-off: the second half of a product (matrix–vector, or Y = X Wᵀ
/// when X is set), or of a range of independent items (`range`).
struct Job {
    const Matrix *W = nullptr;
    const kernels::HalfMatrix *half = nullptr; ///< W's 16-bit copy, read instead of W
    const float *x = nullptr;
    float *y = nullptr;
    const Matrix *X = nullptr;
    Matrix *Y = nullptr;
    const std::function<void(Eigen::Index, Eigen::Index)> *range = nullptr;
    Eigen::Index total = 0; ///< rows of W, or items of `range`
    Eigen::Index split = 0; ///< first row (item) of the second half
    void secondHalf() const
    {
        if (range)
            (*range)(split, total);
        else if (X)
            halfOf(*W, *X, *Y, split, W->rows());
        else
            rows(split, W->rows());
    }
    /// y[r0, r1) of the matrix–vector product, from the 16-bit copy when there is one.
    void rows(Eigen::Index r0, Eigen::Index r1) const
    {
        if (half)
            kernels::gemvRowsHalf(*half, x, y, r0, r1);
        else
            kernels::gemvRows(W->data(), W->cols(), W->cols(), x, y, r0, r1);
    }
    /// Y's columns [r0, r1) = X W[r0, r1)ᵀ, one Eigen product of fixed shape
    /// written in place (the same kernel and bits as into a matrix of its own).
    static void halfOf(const Matrix &W, const Matrix &X, Matrix &Y, Eigen::Index r0, Eigen::Index r1)
    {
        Y.middleCols(r0, r1 - r0).noalias() = X * W.middleRows(r0, r1 - r0).transpose();
    }
};

class Partner {
public:
    static Partner &instance()
    {
        static Partner p;
        return p;
    }

    void enter()
    {
        if (m_sessions.fetch_add(1, std::memory_order_acq_rel) == 0) {
            std::lock_guard lock(m_mutex);
            if (!m_thread.joinable() && std::thread::hardware_concurrency() >= 2) {
                m_thread = std::thread([this] { loop(); });
                m_running.store(true, std::memory_order_release);
            }
            m_wake.notify_one();
        }
    }
    void leave() { m_sessions.fetch_sub(1, std::memory_order_acq_rel); }

    /// y = W x with the second half of the rows on the partner when it is free.
    void gemv(const Matrix &W, const float *x, float *y, const kernels::HalfMatrix *half)
    {
        const Job job{&W, half, x, y, nullptr, nullptr, nullptr, W.rows(), W.rows() / 2};
        run(job, [&](Eigen::Index r1) { job.rows(0, r1); });
    }

    /// Y = X Wᵀ as two halves of W's rows, the second on the partner when it is free.
    void gemm(const Matrix &W, const Matrix &X, Matrix &Y)
    {
        Y.resize(X.rows(), W.rows());
        run(Job{&W, nullptr, nullptr, nullptr, &X, &Y, nullptr, W.rows(), W.rows() / 2},
            [&](Eigen::Index r1) { Job::halfOf(W, X, Y, 0, r1); });
    }

    /// f(0, n/2) here, f(n/2, n) on the partner when it is free.
    void halves(Eigen::Index n, const std::function<void(Eigen::Index, Eigen::Index)> &f)
    {
        if (n < 2) {
            f(0, n);
            return;
        }
        run(Job{nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, &f, n, n / 2}, [&](Eigen::Index r1) { f(0, r1); });
    }

    /// Posts the job's second half to the partner (when free) and computes
    /// the first with `firstHalf(split)`; either way the same halves.
    template <typename FirstHalf>
    void run(const Job &job, FirstHalf firstHalf)
    {
        const Eigen::Index split = job.split;
        const bool share = m_enabled.load(std::memory_order_relaxed) && (job.range || job.total >= 128) &&
                           m_running.load(std::memory_order_acquire) &&
                           m_sessions.load(std::memory_order_acquire) > 0 &&
                           !m_owned.exchange(true, std::memory_order_acquire);
        if (!share) {
            firstHalf(split);
            job.secondHalf();
            return;
        }
        m_job = job;
        const std::uint64_t g = m_posted.load(std::memory_order_relaxed) + 1;
        m_posted.store(g, std::memory_order_release);
        firstHalf(split);
        // If the partner has not taken its half yet (descheduled on a busy
        // host), do it here rather than wait for it.
        std::uint64_t expected = g - 1;
        if (m_claimed.compare_exchange_strong(expected, g, std::memory_order_acq_rel)) {
            m_job.secondHalf();
        } else {
            while (m_done.load(std::memory_order_acquire) != g)
                ALIGNSCOPE_PAUSE();
            m_shared.fetch_add(1, std::memory_order_relaxed);
        }
        m_owned.store(false, std::memory_order_release);
    }

    std::atomic<bool> m_enabled{true};
    std::atomic<std::uint64_t> m_shared{0};

    ~Partner()
    {
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_wake.notify_one();
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    Partner() = default;

    void loop()
    {
        for (;;) {
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [this] { return m_quit || m_sessions.load(std::memory_order_acquire) > 0; });
                if (m_quit)
                    return;
            }
            // Spin only while some decode holds a session.
            while (m_sessions.load(std::memory_order_acquire) > 0) {
                const std::uint64_t g = m_posted.load(std::memory_order_acquire);
                std::uint64_t expected = g - 1;
                if (g != 0 && m_claimed.load(std::memory_order_relaxed) == g - 1 &&
                    m_claimed.compare_exchange_strong(expected, g, std::memory_order_acq_rel)) {
                    m_job.secondHalf();
                    m_done.store(g, std::memory_order_release);
                    continue;
                }
                ALIGNSCOPE_PAUSE();
            }
        }
    }

    std::atomic<int> m_sessions{0};
    std::atomic<bool> m_running{false};        ///< the thread exists
    std::atomic<bool> m_owned{false};          ///< a caller is using the partner
    std::atomic<std::uint64_t> m_posted{0};    ///< generation of the last job posted
    std::atomic<std::uint64_t> m_claimed{0};   ///< generation whose second half someone took
    std::atomic<std::uint64_t> m_done{0};      ///< generation the partner finished
    Job m_job;                                 ///< written before m_posted (release), read after it (acquire)
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_quit = false;
    std::thread m_thread;
};

} // namespace

void kernels::gemv(const Matrix &W, const float *x, float *y, const HalfMatrix *half)
{
    Partner::instance().gemv(W, x, y, half);
}
void kernels::gemmHalves(const Matrix &W, const Matrix &X, Matrix &Y) { Partner::instance().gemm(W, X, Y); }
void kernels::halves(Eigen::Index n, const std::function<void(Eigen::Index, Eigen::Index)> &f)
{
    Partner::instance().halves(n, f);
}

DecodePartner::Session::Session() { Partner::instance().enter(); }
DecodePartner::Session::~Session() { Partner::instance().leave(); }

void DecodePartner::setEnabled(bool enabled) { Partner::instance().m_enabled.store(enabled); }
bool DecodePartner::enabled() { return Partner::instance().m_enabled.load(); }
std::uint64_t DecodePartner::sharedProducts() { return Partner::instance().m_shared.load(); }

} // namespace alignscope
