#include "common/largepages.h"
#include "alignscope/allocator.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#if defined(__linux__)
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace alignscope {

namespace largepages {

namespace {

constexpr std::uintptr_t kBlock = std::uintptr_t(2) << 20;
#if defined(__linux__) && !defined(MADV_COLLAPSE)
constexpr int MADV_COLLAPSE = 25; // Linux 6.1; older headers lack the name
#endif

/// The background thread and its queue. It starts with the first span and
/// ends with the program; it runs at the lowest priority.
class Mover {
public:
    static Mover &instance()
    {
        static Mover m;
        return m;
    }

    std::atomic<bool> m_enabled{false};

    void add(const std::vector<Span> &spans)
    {
        std::lock_guard lock(m_mutex);
        for (const Span &s : spans)
            if (s.data && s.bytes > 0)
                m_queue.push_back(s);
        if (!m_thread.joinable())
            m_thread = std::thread([this] { loop(); });
        m_wake.notify_all();
    }

    void wait()
    {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [this] { return m_queue.empty() && !m_busy; });
    }

    ~Mover()
    {
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    Mover() = default;

    void loop()
    {
#if defined(__linux__)
        // The lowest priority: it runs when a core is idle, never slowing a decode.
        setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), 19);
#endif
        m_collapses = collapses();
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_quit || !m_queue.empty(); });
            if (m_quit)
                return;
            const Span s = m_queue.front();
            m_queue.pop_front();
            m_busy = true;
            lock.unlock();
            move(s);
            lock.lock();
            m_busy = false;
            m_wake.notify_all();
        }
    }

    /// Marks the span's blocks for 2 MB pages, then gathers each (one block
    /// at a time: the memory stays usable meanwhile). A block that cannot be
    /// gathered (part of it outside the memory, or no free 2 MB page) stays
    /// as it is; so does everything on a system without transparent huge
    /// pages, or whose kernel cannot gather pages at once (before Linux 6.1:
    /// the marked blocks are gathered by the kernel's own scan, in time).
    void move(const Span &s)
    {
#if defined(__linux__)
        const std::uintptr_t begin = reinterpret_cast<std::uintptr_t>(s.data) & ~(kBlock - 1);
        const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(s.data) + s.bytes + kBlock - 1) & ~(kBlock - 1);
        madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
        for (std::uintptr_t b = begin; b < end && !m_quit && m_collapses; b += kBlock)
            madvise(reinterpret_cast<void *>(b), kBlock, MADV_COLLAPSE);
#else
        (void)s;
#endif
    }

    /// Whether this kernel gathers pages at once (MADV_COLLAPSE), tried on a block of its own.
    static bool collapses()
    {
#if defined(__linux__)
        void *block = mmap(nullptr, 2 * kBlock, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (block == MAP_FAILED)
            return false;
        void *aligned = reinterpret_cast<void *>((reinterpret_cast<std::uintptr_t>(block) + kBlock - 1) & ~(kBlock - 1));
        *static_cast<volatile char *>(aligned) = 1;
        const bool ok = madvise(aligned, kBlock, MADV_HUGEPAGE) == 0 && madvise(aligned, kBlock, MADV_COLLAPSE) == 0;
        munmap(block, 2 * kBlock);
        return ok;
#else
        return false;
#endif
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Span> m_queue;
    bool m_busy = false;
    bool m_collapses = false; ///< the mover thread's own
    std::atomic<bool> m_quit{false};
    std::thread m_thread;
};

} // namespace

bool enabled() { return Mover::instance().m_enabled.load(std::memory_order_relaxed); }

void advise(const std::vector<Span> &spans)
{
    if (enabled())
        Mover::instance().add(spans);
}

void wait() { Mover::instance().wait(); }

} // namespace largepages

void backStreamedWeightsWithLargePages() { largepages::Mover::instance().m_enabled.store(true); }

void waitForLargePages() { largepages::wait(); }

} // namespace alignscope
