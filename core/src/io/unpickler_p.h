#pragma once
// A restricted unpickler for the data.pkl of `torch.save(state_dict)`.
// It builds a value tree and never executes anything: GLOBAL may name only
// what a state_dict holds (collections.OrderedDict, torch._utils's tensor
// and parameter rebuilders, and the storage types of persistent ids), and
// REDUCE applies only those, by our own code. Everything else is an error.

#include "alignscope/result.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace alignscope::pickle {

enum class StorageType { F32, F64, F16, BF16, I64 };

/// A persistent id ('storage', type, key, location, numel): data/<key> in the archive.
struct StorageRef {
    StorageType type = StorageType::F32;
    std::string key;
    std::int64_t numel = 0;
};

/// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...).
struct TensorRef {
    StorageRef storage;
    std::int64_t offset = 0;            ///< in elements
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides;  ///< in elements
};

struct Value;
using ValuePtr = std::shared_ptr<Value>;

/// One unpickled object. Lists and dicts are shared so memo entries and
/// later APPEND/SETITEM see the same object, as in Python.
struct Value {
    enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor };
    Kind kind = Kind::None;
    bool boolean = false;
    std::int64_t integer = 0;
    double real = 0.0;
    std::string text;                               ///< String, or Global's "module.name"
    std::vector<ValuePtr> items;                    ///< Tuple, List
    std::vector<std::pair<ValuePtr, ValuePtr>> entries; ///< Dict, in insertion order
    StorageRef storage;
    TensorRef tensor;
};

/// What import reads from a checkpoint's pickle.
struct Unpickled {
    /// Every tensor reachable through dicts (and lists), named by joining
    /// keys with '.' ("en.embedding.weight", "en_opt.state.0.exp_avg").
    std::vector<std::pair<std::string, TensorRef>> tensors;
    /// A top-level 'voc_dict' (the chatbot's voc.__dict__): its index2word
    /// as an id-ordered list, or what is wrong with it. Absent: both empty.
    bool hasVocDict = false;
    std::vector<std::string> index2word;
    std::string vocDictProblem;
};

/// Unpickles `bytes`; other leaves (numbers, strings, None, ...) are
/// skipped. Errors start with `label` (the checkpoint's path).
Result<Unpickled> unpickle(std::span<const std::uint8_t> bytes, const std::string &label);

/// Bytes per element of a storage type.
int elementSize(StorageType t);

} // namespace alignscope::pickle
