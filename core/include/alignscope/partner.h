#pragma once
// The decode partner: a second thread that, only while a decode runs,
// spins waiting for half of each large matrix–vector product, so batch-1
// decoding streams its weights through both cores without a scheduler
// round-trip per step. It sleeps otherwise. Results are bit-for-bit those
// of one core. When the partner is busy with another caller (concurrent
// decodes), late, or switched off, the caller computes both halves itself.

#include <cstdint>

namespace alignscope {

class DecodePartner {
public:
    /// Held while a decode runs: the partner spins (one core busy) only then.
    class Session {
    public:
        Session();
        ~Session();
        Session(const Session &) = delete;
        Session &operator=(const Session &) = delete;
    };

    /// Off: every product on the calling thread (benchmarks, tests). On by
    /// default on machines with two or more cores.
    static void setEnabled(bool enabled);
    static bool enabled();
    /// Products whose second half the partner computed (tests).
    static std::uint64_t sharedProducts();
};

} // namespace alignscope
