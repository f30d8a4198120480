// The restricted unpickler: a stack machine over protocol 2 (and the few
// later opcodes torch may emit) that only builds values. Every read is
// bounds-checked; every global is checked against the allowlist the moment
// it is named, before anything else happens.
#include "io/unpickler_p.h"

#include <bit>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

namespace alignscope::pickle {

namespace {

using Kind = Value::Kind;

const std::map<std::string, StorageType> kStorageTypes = {
    {"torch.FloatStorage", StorageType::F32},   {"torch.DoubleStorage", StorageType::F64},
    {"torch.HalfStorage", StorageType::F16},    {"torch.BFloat16Storage", StorageType::BF16},
    {"torch.LongStorage", StorageType::I64},
};
const char *kOrderedDict = "collections.OrderedDict";
const char *kRebuildTensor = "torch._utils._rebuild_tensor_v2";
const char *kRebuildParameter = "torch._utils._rebuild_parameter";

bool allowedGlobal(const std::string &name)
{
    return name == kOrderedDict || name == kRebuildTensor || name == kRebuildParameter ||
           kStorageTypes.count(name) != 0;
}


// Nested containers past this depth are not a state_dict (and would let a
// crafted file recurse without bound).
constexpr int kMaxDepth = 64;

class Unpickler {
public:
    Unpickler(std::span<const std::uint8_t> bytes, const std::string &label) : m_bytes(bytes), m_label(label) {}

    /// Breaks reference cycles (a list appended to itself through the memo)
    /// so every value is freed.
    ~Unpickler()
    {
        for (const ValuePtr &v : m_containers) {
            v->items.clear();
            v->entries.clear();
        }
    }

    Result<ValuePtr> run()
    {
        while (true) {
            if (m_pos >= m_bytes.size())
                return fail("data.pkl ends without a STOP opcode (truncated pickle)");
            const std::size_t at = m_pos;
            const std::uint8_t op = m_bytes[m_pos++];
            if (op == '.') {
                if (m_stack.empty())
                    return fail("data.pkl stops with an empty stack");
                if (!m_stack.back())
                    return fail("data.pkl stops with a MARK on top of the stack instead of a value");
                return m_stack.back();
            }
            if (!step(op, at))
                return Error(m_error);
        }
    }

private:
    std::span<const std::uint8_t> m_bytes;
    std::string m_label;
    std::size_t m_pos = 0;
    std::vector<ValuePtr> m_stack; // a null entry is a MARK
    std::unordered_map<std::uint32_t, ValuePtr> m_memo;
    std::vector<ValuePtr> m_containers; // every tuple, list and dict made
    Error m_error;

    ValuePtr make(Kind k)
    {
        auto v = std::make_shared<Value>();
        v->kind = k;
        if (k == Kind::Tuple || k == Kind::List || k == Kind::Dict)
            m_containers.push_back(v);
        return v;
    }

    Error fail(const std::string &what) const { return fileError(m_label + ": " + what); }
    bool error(const std::string &what)
    {
        m_error = fail(what);
        return false;
    }

    bool need(std::size_t n)
    {
        if (m_bytes.size() - m_pos < n)
            return error("data.pkl is truncated at byte " + std::to_string(m_pos));
        return true;
    }
    template <typename T>
    bool read(T &out)
    {
        if (!need(sizeof(T)))
            return false;
        std::memcpy(&out, m_bytes.data() + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return true;
    }
    bool readText(std::size_t n, std::string &out)
    {
        if (!need(n))
            return false;
        out.assign(reinterpret_cast<const char *>(m_bytes.data() + m_pos), n);
        m_pos += n;
        return true;
    }
    bool readLine(std::string &out)
    {
        const std::size_t start = m_pos;
        while (m_pos < m_bytes.size() && m_bytes[m_pos] != '\n')
            ++m_pos;
        if (m_pos >= m_bytes.size())
            return error("data.pkl is truncated inside a GLOBAL name");
        out.assign(reinterpret_cast<const char *>(m_bytes.data() + start), m_pos - start);
        ++m_pos;
        return true;
    }

    void push(ValuePtr v) { m_stack.push_back(std::move(v)); }
    bool pop(ValuePtr &out)
    {
        if (m_stack.empty() || !m_stack.back())
            return error("data.pkl pops an empty stack at byte " + std::to_string(m_pos));
        out = std::move(m_stack.back());
        m_stack.pop_back();
        return true;
    }
    bool top(ValuePtr &out)
    {
        if (m_stack.empty() || !m_stack.back())
            return error("data.pkl reads an empty stack at byte " + std::to_string(m_pos));
        out = m_stack.back();
        return true;
    }
    /// Pops everything above the topmost MARK, and the MARK.
    bool popMark(std::vector<ValuePtr> &out)
    {
        std::size_t i = m_stack.size();
        while (i > 0 && m_stack[i - 1])
            --i;
        if (i == 0)
            return error("data.pkl has no MARK before byte " + std::to_string(m_pos));
        out.assign(m_stack.begin() + static_cast<std::ptrdiff_t>(i), m_stack.end());
        m_stack.resize(i - 1);
        return true;
    }

    bool pushInt(std::int64_t v)
    {
        auto x = make(Kind::Int);
        x->integer = v;
        push(x);
        return true;
    }
    bool pushString(std::size_t n)
    {
        auto x = make(Kind::String);
        if (!readText(n, x->text))
            return false;
        push(x);
        return true;
    }
    bool pushTuple(std::vector<ValuePtr> items)
    {
        auto x = make(Kind::Tuple);
        x->items = std::move(items);
        push(x);
        return true;
    }
    bool tupleOf(std::size_t n)
    {
        if (m_stack.size() < n)
            return error("data.pkl builds a tuple from too few items");
        std::vector<ValuePtr> items(m_stack.end() - static_cast<std::ptrdiff_t>(n), m_stack.end());
        for (const auto &i : items)
            if (!i)
                return error("data.pkl builds a tuple across a MARK");
        m_stack.resize(m_stack.size() - n);
        return pushTuple(std::move(items));
    }

    bool step(std::uint8_t op, std::size_t at);
    bool integers(std::uint8_t op);
    bool containers(std::uint8_t op);
    bool memo(std::uint8_t op);
    bool global();
    bool reduce();
    bool persistentId();
    bool build();
};

bool Unpickler::step(std::uint8_t op, std::size_t at)
{
    switch (op) {
    case 0x80: { std::uint8_t v; return read(v); }      // PROTO
    case 0x95: { std::uint64_t n; return read(n); }     // FRAME: frames are only a buffering hint
    case '(': m_stack.push_back(nullptr); return true;  // MARK
    case 'N': push(make(Kind::None)); return true;
    case 0x88: case 0x89: {                             // NEWTRUE, NEWFALSE
        auto b = make(Kind::Bool);
        b->boolean = op == 0x88;
        push(b);
        return true;
    }
    case 'G': {                                         // BINFLOAT, big-endian
        std::uint64_t bits;
        if (!read(bits))
            return false;
        auto f = make(Kind::Float);
        f->real = std::bit_cast<double>(__builtin_bswap64(bits));
        push(f);
        return true;
    }
    case 'X': { std::uint32_t n; return read(n) && pushString(n); }       // BINUNICODE
    case 0x8c: { std::uint8_t n; return read(n) && pushString(n); }       // SHORT_BINUNICODE
    case 'B': { std::uint32_t n; return read(n) && pushString(n); }       // BINBYTES
    case 'C': { std::uint8_t n; return read(n) && pushString(n); }        // SHORT_BINBYTES
    case 'c': return global();
    case 'R': return reduce();
    case 'Q': return persistentId();
    case 'b': return build();
    case '0': { ValuePtr v; return pop(v); }                              // POP
    case '2': { ValuePtr v; if (!top(v)) return false; push(v); return true; } // DUP
    default: break;
    }
    if (op == 'J' || op == 'K' || op == 'M' || op == 0x8a)
        return integers(op);
    if (op == 'q' || op == 'r' || op == 'h' || op == 'j' || op == 0x94)
        return memo(op);
    static const std::uint8_t kContainerOps[] = {')', ']', '}', 't', 'l', 'd', 's', 'u', 'e', 'a', '1', 0x85, 0x86, 0x87};
    for (std::uint8_t c : kContainerOps)
        if (op == c)
            return containers(op);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", op);
    return error("data.pkl uses pickle opcode " + std::string(hex) + " at byte " + std::to_string(at) +
                 ", which a state_dict never contains; refusing to load");
}

bool Unpickler::integers(std::uint8_t op)
{
    if (op == 'J') { std::int32_t v; return read(v) && pushInt(v); }
    if (op == 'K') { std::uint8_t v; return read(v) && pushInt(v); }
    if (op == 'M') { std::uint16_t v; return read(v) && pushInt(v); }
    std::uint8_t n; // LONG1: n little-endian two's-complement bytes
    if (!read(n))
        return false;
    if (n > 8)
        return error("data.pkl holds an integer wider than 64 bits");
    if (!need(n))
        return false;
    std::uint64_t v = 0;
    for (std::uint8_t i = 0; i < n; ++i)
        v |= std::uint64_t(m_bytes[m_pos + i]) << (8 * i);
    if (n > 0 && n < 8 && (m_bytes[m_pos + n - 1] & 0x80))
        v |= ~std::uint64_t(0) << (8 * n); // sign-extend
    m_pos += n;
    return pushInt(static_cast<std::int64_t>(v));
}

bool Unpickler::containers(std::uint8_t op)
{
    std::vector<ValuePtr> items;
    ValuePtr target;
    switch (op) {
    case ')': return pushTuple({});
    case ']': push(make(Kind::List)); return true;
    case '}': push(make(Kind::Dict)); return true;
    case 0x85: return tupleOf(1);
    case 0x86: return tupleOf(2);
    case 0x87: return tupleOf(3);
    case 't': return popMark(items) && pushTuple(std::move(items));
    case '1': return popMark(items);                                   // POP_MARK
    case 'l': case 'd': case 'u': case 'e': case 's': case 'a': break;
    default: return error("data.pkl uses an unsupported container opcode");
    }
    if (op == 'l' || op == 'e') {
        if (!popMark(items))
            return false;
        if (op == 'l') {
            auto list = make(Kind::List);
            list->items = std::move(items);
            push(list);
            return true;
        }
    } else if (op == 'd' || op == 'u') {
        if (!popMark(items))
            return false;
        if (items.size() % 2)
            return error("data.pkl sets dict items from an odd number of values");
    } else if (op == 's') {
        items.resize(2);
        if (!pop(items[1]) || !pop(items[0]))
            return false;
    } else { // 'a'
        items.resize(1);
        if (!pop(items[0]))
            return false;
    }
    if (op == 'd')
        target = make(Kind::Dict);
    else if (!top(target))
        return false;
    const bool isList = op == 'a' || op == 'e';
    if (target->kind != (isList ? Kind::List : Kind::Dict))
        return error(std::string("data.pkl ") + (isList ? "appends to" : "sets items on") + " something that is not a " +
                     (isList ? "list" : "dict"));
    if (isList)
        target->items.insert(target->items.end(), items.begin(), items.end());
    else
        for (std::size_t i = 0; i + 1 < items.size(); i += 2)
            target->entries.emplace_back(items[i], items[i + 1]);
    if (op == 'd')
        push(target);
    return true;
}

bool Unpickler::memo(std::uint8_t op)
{
    std::uint32_t index = 0;
    if (op == 'q' || op == 'h') {
        std::uint8_t i;
        if (!read(i))
            return false;
        index = i;
    } else if (op == 'r' || op == 'j') {
        if (!read(index))
            return false;
    } else { // MEMOIZE
        index = static_cast<std::uint32_t>(m_memo.size());
    }
    if (op == 'h' || op == 'j') {
        auto it = m_memo.find(index);
        if (it == m_memo.end())
            return error("data.pkl reads memo entry " + std::to_string(index) + ", which was never stored");
        push(it->second);
        return true;
    }
    ValuePtr v;
    if (!top(v))
        return false;
    m_memo[index] = v;
    return true;
}

bool Unpickler::global()
{
    std::string module, name;
    if (!readLine(module) || !readLine(name))
        return false;
    const std::string full = module + "." + name;
    if (!allowedGlobal(full))
        return error("pickle names global " + full + ", which a state_dict never contains; refusing to load");
    auto g = make(Kind::Global);
    g->text = full;
    push(g);
    return true;
}

bool isIntTuple(const Value &v)
{
    if (v.kind != Kind::Tuple)
        return false;
    for (const auto &i : v.items)
        if (i->kind != Kind::Int || i->integer < 0)
            return false;
    return true;
}

bool Unpickler::reduce()
{
    ValuePtr args, callable;
    if (!pop(args) || !pop(callable))
        return false;
    if (callable->kind != Kind::Global || args->kind != Kind::Tuple)
        return error("data.pkl calls something that is not an allowed function");
    const auto &a = args->items;
    if (callable->text == kOrderedDict) {
        if (!a.empty())
            return error("data.pkl builds an OrderedDict from arguments; a state_dict never does");
        push(make(Kind::Dict));
        return true;
    }
    if (callable->text == kRebuildParameter) {
        if (a.size() < 2 || a[0]->kind != Kind::Tensor)
            return error("data.pkl calls _rebuild_parameter without a tensor");
        push(a[0]);
        return true;
    }
    if (callable->text != kRebuildTensor)
        return error("data.pkl calls " + callable->text + ", which is only a storage type");
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    if (a.size() < 4 || a[0]->kind != Kind::Storage || a[1]->kind != Kind::Int || a[1]->integer < 0 ||
        !isIntTuple(*a[2]) || !isIntTuple(*a[3]) || a[2]->items.size() != a[3]->items.size() ||
        a[2]->items.size() > 8)
        return error("data.pkl calls _rebuild_tensor_v2 with arguments that do not describe a tensor");
    auto t = make(Kind::Tensor);
    t->tensor.storage = a[0]->storage;
    t->tensor.offset = a[1]->integer;
    for (std::size_t i = 0; i < a[2]->items.size(); ++i) {
        t->tensor.shape.push_back(a[2]->items[i]->integer);
        t->tensor.strides.push_back(a[3]->items[i]->integer);
    }
    push(t);
    return true;
}

bool Unpickler::persistentId()
{
    ValuePtr pid;
    if (!pop(pid))
        return false;
    const auto &p = pid->items;
    if (pid->kind != Kind::Tuple || p.size() != 5 || p[0]->kind != Kind::String || p[0]->text != "storage" ||
        p[1]->kind != Kind::Global || !kStorageTypes.count(p[1]->text) || p[2]->kind != Kind::String ||
        p[4]->kind != Kind::Int || p[4]->integer < 0)
        return error("data.pkl has a persistent id that is not a ('storage', type, key, location, numel) tuple");
    auto s = make(Kind::Storage);
    s->storage.type = kStorageTypes.at(p[1]->text);
    s->storage.key = p[2]->text;
    s->storage.numel = p[4]->integer;
    push(s);
    return true;
}

bool Unpickler::build()
{
    // OrderedDict state is the instance __dict__ (state_dict's _metadata):
    // nothing a tensor needs, so it is dropped.
    ValuePtr state, target;
    if (!pop(state) || !top(target))
        return false;
    if (target->kind != Kind::Dict)
        return error("data.pkl sets state on something that is not a dict");
    return true;
}

// Each container is walked once: a state_dict shares none, and a crafted
// pickle must not make the walk exponential (or endless, through a cycle).
void flatten(const Value &v, const std::string &name, int depth, std::set<const Value *> &seen,
             std::vector<std::pair<std::string, TensorRef>> &out)
{
    if (depth > kMaxDepth || !seen.insert(&v).second)
        return;
    auto join = [&](const std::string &key) { return name.empty() ? key : name + "." + key; };
    if (v.kind == Kind::Tensor) {
        out.emplace_back(name, v.tensor);
    } else if (v.kind == Kind::Dict) {
        for (const auto &[k, item] : v.entries) {
            if (k->kind == Kind::String)
                flatten(*item, join(k->text), depth + 1, seen, out);
            else if (k->kind == Kind::Int)
                flatten(*item, join(std::to_string(k->integer)), depth + 1, seen, out);
        }
    } else if (v.kind == Kind::List || v.kind == Kind::Tuple) {
        for (std::size_t i = 0; i < v.items.size(); ++i)
            flatten(*v.items[i], join(std::to_string(i)), depth + 1, seen, out);
    }
}

const Value *entry(const Value &dict, const std::string &key)
{
    if (dict.kind != Kind::Dict)
        return nullptr;
    for (const auto &[k, v] : dict.entries)
        if (k->kind == Kind::String && k->text == key)
            return v.get();
    return nullptr;
}

/// voc.__dict__['index2word'] ({int: str}) as a list; ids must be 0..n-1
/// and agree with num_words when it is there (Voc.trim keeps both in step).
void readIndexToWord(const Value &voc, Unpickled &out)
{
    const Value *words = entry(voc, "index2word");
    if (!words) {
        out.vocDictProblem = "voc_dict has no index2word dict";
        return;
    }
    std::map<std::int64_t, std::string> byId;
    for (const auto &[k, v] : words->entries) {
        if (k->kind != Kind::Int || v->kind != Kind::String) {
            out.vocDictProblem = "voc_dict.index2word must map integer ids to strings";
            return;
        }
        byId[k->integer] = v->text;
    }
    std::int64_t expected = 0;
    for (const auto &[id, word] : byId) {
        if (id != expected) {
            out.vocDictProblem = "voc_dict.index2word has no word for id " + std::to_string(expected);
            return;
        }
        out.index2word.push_back(word);
        ++expected;
    }
    const Value *num = entry(voc, "num_words");
    if (num && num->kind == Kind::Int && num->integer != expected)
        out.vocDictProblem = "voc_dict.num_words is " + std::to_string(num->integer) + " but index2word holds " +
                             std::to_string(expected) + " words";
    if (!out.vocDictProblem.empty() || expected == 0)
        out.index2word.clear();
    if (expected == 0 && out.vocDictProblem.empty())
        out.vocDictProblem = "voc_dict.index2word is empty";
}

} // namespace

Result<Unpickled> unpickle(std::span<const std::uint8_t> bytes, const std::string &label)
{
    Unpickler unpickler(bytes, label);
    auto root = unpickler.run();
    if (!root)
        return root.error();
    Unpickled out;
    std::set<const Value *> seen;
    flatten(*root.value(), "", 0, seen, out.tensors);
    if (const Value *voc = entry(*root.value(), "voc_dict")) {
        out.hasVocDict = true;
        readIndexToWord(*voc, out);
    }
    return out;
}

int elementSize(StorageType t)
{
    switch (t) {
    case StorageType::F32: return 4;
    case StorageType::F64: case StorageType::I64: return 8;
    case StorageType::F16: case StorageType::BF16: return 2;
    }
    return 4;
}

} // namespace alignscope::pickle
