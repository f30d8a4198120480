// The decode partner thread and the matrix–vector kernel it shares.
#include "common/partner.h"
#include "common/product_avx512.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

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
/// when X is set), or of a range of independent items (`range`). A
/// matrix–vector product is not cut in two halves but in chunks of rows the
/// two threads claim from either end (Partner::claim), so that the thread
/// whose rows are already in its cache takes more of them.
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
    Eigen::Index chunkRows = 0; ///< a matrix–vector product's rows per chunk

    bool chunked() const { return !range && !X; }
    Eigen::Index chunks() const { return (total + chunkRows - 1) / chunkRows; }
    void secondHalf() const
    {
        if (range)
            (*range)(split, total);
        else
            halfOf(*W, *X, *Y, split, W->rows());
    }
    /// y[r0, r1) of the matrix–vector product, from the 16-bit copy when there is one.
    void rows(Eigen::Index r0, Eigen::Index r1) const
    {
        if (half)
            kernels::gemvRowsHalf(*half, x, y, r0, r1);
        else
            kernels::gemvRows(W->data(), W->cols(), W->cols(), x, y, r0, r1);
    }
    void chunkRange(Eigen::Index c0, Eigen::Index c1) const { rows(c0 * chunkRows, std::min(total, c1 * chunkRows)); }
    /// The bytes of weights the product reads, and where they start.
    const char *weights() const
    {
        return half ? reinterpret_cast<const char *>(half->bits.data()) : reinterpret_cast<const char *>(W->data());
    }
    std::size_t elementBytes() const { return half ? sizeof(std::uint16_t) : sizeof(float); }
    std::size_t weightBytes() const { return std::size_t(W->size()) * elementBytes(); }
    /// Y's columns [r0, r1) = X W[r0, r1)ᵀ, one Eigen product of fixed shape
    /// written in place (the same kernel and bits as into a matrix of its own):
    /// Eigen's AVX-512 build where the CPU has it, the AVX2 one elsewhere.
    static void halfOf(const Matrix &W, const Matrix &X, Matrix &Y, Eigen::Index r0, Eigen::Index r1)
    {
        if (kernels::wideProducts() && r1 > r0 && X.rows() > 0 && X.cols() > 0)
            kernels::productAvx512(X.data(), X.rows(), X.cols(), W.data() + r0 * W.cols(), r1 - r0, Y.data() + r0,
                                   Y.cols());
        else
            Y.middleCols(r0, r1 - r0).noalias() = X * W.middleRows(r0, r1 - r0).transpose();
    }
};

/// A matrix–vector product's rows are claimed in chunks of about this many
/// bytes of weights, each claim taking a quarter of what is left (at least
/// one chunk): few claims on a large matrix, an even finish on any.
constexpr std::size_t kChunkBytes = 16 * 1024;
/// While the main thread works between products (norms, attention, the
/// softmax over the vocabulary), the partner reads ahead into its cache at
/// most this many bytes of the product that came next last time.
constexpr std::size_t kReadAheadBytes = 512 * 1024;

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

    /// y = W x, the rows shared with the partner when it is free.
    void gemv(const Matrix &W, const float *x, float *y, const kernels::HalfMatrix *half)
    {
        Job job{&W, half, x, y, nullptr, nullptr, nullptr, W.rows(), W.rows() / 2};
        const std::size_t rowBytes = std::size_t(W.cols()) * job.elementBytes();
        job.chunkRows = Eigen::Index(std::max<std::size_t>(1, kChunkBytes / std::max<std::size_t>(1, rowBytes)));
        run(job, [&](Eigen::Index) {
            for (Eigen::Index c0, c1; claim(true, c0, c1);)
                job.chunkRange(c0, c1);
        });
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

    /// Posts the job to the partner (when free) and computes this thread's
    /// part with `mine(split)`: the first half, or chunks claimed from the
    /// front of a matrix–vector product. Either way the same results.
    template <typename Mine>
    void run(const Job &job, Mine mine)
    {
        const Eigen::Index split = job.split;
        const bool share = m_enabled.load(std::memory_order_relaxed) && (job.range || job.total >= 128) &&
                           m_running.load(std::memory_order_acquire) &&
                           m_sessions.load(std::memory_order_acquire) > 0 &&
                           !m_owned.exchange(true, std::memory_order_acquire);
        if (!share) {
            if (job.chunked()) {
                job.rows(0, job.total);
            } else {
                mine(split);
                job.secondHalf();
            }
            return;
        }
        m_job = job;
        if (job.chunked())
            m_chunks.store(std::uint64_t(job.chunks()) << 32, std::memory_order_relaxed);
        const std::uint64_t g = m_posted.load(std::memory_order_relaxed) + 1;
        m_posted.store(g, std::memory_order_release);
        mine(split);
        // If the partner has not taken the job yet (descheduled on a busy
        // host), its half is done here rather than waited for.
        std::uint64_t expected = g - 1;
        if (m_claimed.compare_exchange_strong(expected, g, std::memory_order_acq_rel)) {
            if (!job.chunked())
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

    /// Claims chunks [c0, c1) of the posted matrix–vector product: a quarter
    /// of those left (at least one), from the front (the caller) or the back
    /// (the partner). False when none are left.
    bool claim(bool front, Eigen::Index &c0, Eigen::Index &c1)
    {
        std::uint64_t v = m_chunks.load(std::memory_order_relaxed);
        for (;;) {
            const std::uint32_t first = std::uint32_t(v), end = std::uint32_t(v >> 32);
            if (first >= end)
                return false;
            const std::uint32_t take = std::max<std::uint32_t>(1, (end - first) / 4);
            const std::uint64_t next = front ? (std::uint64_t(end) << 32) | (first + take)
                                             : (std::uint64_t(end - take) << 32) | first;
            if (m_chunks.compare_exchange_weak(v, next, std::memory_order_relaxed)) {
                c0 = front ? first : end - take;
                c1 = front ? first + take : end;
                return true;
            }
        }
    }

    /// The partner's side of job g.
    void work(const Job &job)
    {
        if (!job.chunked()) {
            job.secondHalf();
            return;
        }
        // What came after the previous product is this one: read ahead the
        // tail of this one's weights the next time that one is done.
        const char *weights = job.weights();
        const std::size_t bytes = job.weightBytes(), ahead = std::min(kReadAheadBytes, bytes / 2);
        if (m_previous)
            m_after[m_previous] = {weights + bytes - ahead, ahead};
        m_previous = weights;
        for (Eigen::Index c0, c1; claim(false, c0, c1);)
            job.chunkRange(c0, c1);
        const auto next = m_after.find(weights);
        m_ahead = next == m_after.end() ? Region{} : next->second;
    }

    /// Reads ahead (prefetches) the region the next product is expected to
    /// read, a few kilobytes at a time, until a job is posted or it is done.
    /// A prefetch never faults, so a region whose matrix has gone is harmless.
    void readAhead(std::uint64_t seen)
    {
        while (m_ahead.bytes > 0 && m_posted.load(std::memory_order_acquire) == seen) {
            const std::size_t step = std::min<std::size_t>(m_ahead.bytes, 4096);
#if defined(__x86_64__) || defined(__i386__)
            for (std::size_t b = 0; b < step; b += 64)
                _mm_prefetch(m_ahead.begin + b, _MM_HINT_T1);
#endif
            m_ahead.begin += step;
            m_ahead.bytes -= step;
        }
    }

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
                    work(m_job);
                    m_done.store(g, std::memory_order_release);
                    continue;
                }
                readAhead(g);
                ALIGNSCOPE_PAUSE();
            }
            // Asleep: the weights it learned the order of may be freed and reused.
            m_after.clear();
            m_previous = nullptr;
            m_ahead = {};
        }
    }

    struct Region {
        const char *begin = nullptr;
        std::size_t bytes = 0;
    };

    std::atomic<int> m_sessions{0};
    std::atomic<bool> m_running{false};        ///< the thread exists
    std::atomic<bool> m_owned{false};          ///< a caller is using the partner
    std::atomic<std::uint64_t> m_posted{0};    ///< generation of the last job posted
    std::atomic<std::uint64_t> m_claimed{0};   ///< generation whose second half someone took
    std::atomic<std::uint64_t> m_done{0};      ///< generation the partner finished
    alignas(64) std::atomic<std::uint64_t> m_chunks{0}; ///< a posted product's unclaimed chunks: [low word, high word)
    alignas(64) Job m_job;                     ///< written before m_posted (release), read after it (acquire)
    // The partner thread's own: the order products came in, and what to read ahead.
    std::unordered_map<const char *, Region> m_after;
    const char *m_previous = nullptr;
    Region m_ahead;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_quit = false;
    std::thread m_thread;
};

} // namespace

bool kernels::wideProducts()
{
#if defined(__x86_64__) || defined(__i386__)
    static const bool have = productAvx512Built && __builtin_cpu_supports("avx512f") &&
                             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                             __builtin_cpu_supports("avx512bw");
    return have;
#else
    return false;
#endif
}

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
