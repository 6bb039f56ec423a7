#include "convert/torch_pickle.h"

#include <cstring>
#include <memory>
#include <unordered_map>

#include "cappy/cappy.h"

namespace cappy {

namespace {

enum class Kind { None, Bool, Int, Float, Str, Tuple, List, Dict, Global, Storage, Tensor };

const char* kind_name(Kind k) {
  static const char* names[] = {"None", "bool",   "int",    "float",   "str",   "tuple",
                                "list", "dict",   "global", "storage", "tensor"};
  return names[static_cast<int>(k)];
}

// Every object lives in the parser's arena and is referred to by raw
// pointer, so cycles through the memo neither leak nor recurse on release.
struct Obj {
  Kind kind = Kind::None;
  std::int64_t i = 0;  // Bool, Int
  double f = 0;
  std::string s;  // Str; Global: "module.name"
  std::vector<Obj*> items;                    // Tuple, List
  std::vector<std::pair<Obj*, Obj*>> entries; // Dict
  int depth = 0;
  // Storage
  DType dtype = DType::F32;
  std::string key;
  std::uint64_t numel = 0;
  // Tensor
  const Obj* storage = nullptr;
  std::int64_t offset = 0;
  std::vector<std::int64_t> shape, strides;
};

struct StorageType {
  const char* name;
  DType dtype;
};
constexpr StorageType kStorages[] = {
    {"torch.FloatStorage", DType::F32},   {"torch.HalfStorage", DType::F16},
    {"torch.BFloat16Storage", DType::BF16}, {"torch.DoubleStorage", DType::F64},
    {"torch.LongStorage", DType::I64},    {"torch.IntStorage", DType::I32},
    {"torch.ShortStorage", DType::I16},   {"torch.CharStorage", DType::I8},
    {"torch.ByteStorage", DType::U8},     {"torch.BoolStorage", DType::BOOL},
};

bool allowed_global(const std::string& name) {
  if (name == "collections.OrderedDict" || name == "torch._utils._rebuild_tensor_v2" ||
      name == "torch._utils._rebuild_parameter")
    return true;
  for (const auto& s : kStorages)
    if (name == s.name) return true;
  return false;
}

class Parser {
 public:
  Parser(const std::uint8_t* data, std::size_t size, const std::string& origin)
      : p_(data), end_(data + size), begin_(data), origin_(origin) {}

  const Obj* run() {
    while (true) {
      if (p_ >= end_) fail("truncated: no STOP opcode");
      const std::uint8_t op = *p_++;
      if (op == '.') break;
      step(op);
    }
    if (stack_.size() != 1 || !marks_.empty()) fail("STOP with " + std::to_string(stack_.size()) + " values on the stack");
    return stack_.back();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(origin_ + ": pickle: " + what + " (at byte " + std::to_string(p_ - begin_) + ")");
  }

  const std::uint8_t* take(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) fail("truncated");
    const std::uint8_t* q = p_;
    p_ += n;
    return q;
  }
  std::uint64_t le(int n) {
    const std::uint8_t* q = take(n);
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | q[i];
    return v;
  }
  std::string line() {
    const void* nl = std::memchr(p_, '\n', end_ - p_);
    if (!nl) fail("truncated GLOBAL");
    std::string s(reinterpret_cast<const char*>(p_), static_cast<const std::uint8_t*>(nl) - p_);
    p_ = static_cast<const std::uint8_t*>(nl) + 1;
    return s;
  }

  Obj* make(Kind k) {
    if (arena_.size() >= kMaxPickleObjects) fail("too many objects");
    arena_.push_back(std::make_unique<Obj>());
    arena_.back()->kind = k;
    return arena_.back().get();
  }
  Obj* make_int(std::int64_t v) {
    Obj* o = make(Kind::Int);
    o->i = v;
    return o;
  }
  void grow(Obj* container, const Obj* child) {
    if (child->depth + 1 > container->depth) container->depth = child->depth + 1;
    if (container->depth > kMaxPickleDepth) fail("nesting deeper than " + std::to_string(kMaxPickleDepth));
  }

  void push(Obj* o) {
    if (stack_.size() >= kMaxPickleObjects) fail("stack too deep");
    stack_.push_back(o);
  }
  Obj* pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
    Obj* o = stack_.back();
    stack_.pop_back();
    return o;
  }
  Obj* top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
    return stack_.back();
  }
  // The values above the last MARK, which is removed.
  std::vector<Obj*> pop_mark() {
    if (marks_.empty()) fail("no MARK");
    const std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Obj*> v(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return v;
  }
  Obj* tuple(std::vector<Obj*> items) {
    Obj* t = make(Kind::Tuple);
    for (Obj* i : items) grow(t, i);
    t->items = std::move(items);
    return t;
  }
  void memo_put(std::uint64_t idx) {
    if (memo_.size() >= kMaxPickleObjects) fail("memo too large");
    memo_[idx] = top();
  }
  Obj* memo_get(std::uint64_t idx) {
    auto it = memo_.find(idx);
    if (it == memo_.end()) fail("memo index " + std::to_string(idx) + " is not set");
    return it->second;
  }
  void set_items(Obj* dict, const std::vector<Obj*>& kv) {
    if (dict->kind != Kind::Dict) fail("SETITEM(S) on a " + std::string(kind_name(dict->kind)));
    if (kv.size() % 2) fail("SETITEMS with an odd number of values");
    for (std::size_t k = 0; k < kv.size(); k += 2) {
      grow(dict, kv[k]);
      grow(dict, kv[k + 1]);
      dict->entries.emplace_back(kv[k], kv[k + 1]);
    }
  }
  void append(Obj* list, const std::vector<Obj*>& items) {
    if (list->kind != Kind::List) fail("APPEND(S) on a " + std::string(kind_name(list->kind)));
    for (Obj* i : items) {
      grow(list, i);
      list->items.push_back(i);
    }
  }

  Obj* global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    if (!allowed_global(full))
      fail("global " + full + " is not allowed (only the PyTorch state-dict subset is read; "
           "nothing in a pickle is ever executed)");
    Obj* g = make(Kind::Global);
    g->s = full;
    return g;
  }

  std::vector<std::int64_t> int_tuple(const Obj* o, const char* what) {
    if (o->kind != Kind::Tuple) fail(std::string(what) + " must be a tuple of ints");
    std::vector<std::int64_t> v;
    for (const Obj* i : o->items) {
      if (i->kind != Kind::Int) fail(std::string(what) + " must be a tuple of ints");
      v.push_back(i->i);
    }
    return v;
  }

  // callable(*args) for the whitelisted globals: data constructors only.
  Obj* reduce(const Obj* callable, const Obj* args) {
    if (callable->kind != Kind::Global) fail("REDUCE on a " + std::string(kind_name(callable->kind)));
    if (args->kind != Kind::Tuple) fail("REDUCE arguments must be a tuple");
    const auto& a = args->items;
    if (callable->s == "collections.OrderedDict") {
      if (!a.empty()) fail("OrderedDict with arguments");
      return make(Kind::Dict);
    }
    if (callable->s == "torch._utils._rebuild_tensor_v2") {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (a.size() < 4 || a.size() > 7 || a[0]->kind != Kind::Storage || a[1]->kind != Kind::Int)
        fail("_rebuild_tensor_v2 expects (storage, offset, size, stride, ...)");
      Obj* t = make(Kind::Tensor);
      t->storage = a[0];
      t->offset = a[1]->i;
      t->shape = int_tuple(a[2], "tensor size");
      t->strides = int_tuple(a[3], "tensor stride");
      if (t->shape.size() != t->strides.size() || t->shape.size() > kMaxTensorRankPickle)
        fail("tensor size and stride do not match");
      return t;
    }
    if (callable->s == "torch._utils._rebuild_parameter") {
      if (a.size() != 3 || a[0]->kind != Kind::Tensor) fail("_rebuild_parameter expects (tensor, requires_grad, hooks)");
      return a[0];
    }
    fail(callable->s + " cannot be called");
  }

  Obj* persistent(const Obj* pid) {
    // ('storage', storage_type, key, location, numel)
    if (pid->kind != Kind::Tuple || pid->items.size() != 5 || pid->items[0]->kind != Kind::Str ||
        pid->items[0]->s != "storage" || pid->items[1]->kind != Kind::Global ||
        pid->items[2]->kind != Kind::Str || pid->items[4]->kind != Kind::Int)
      fail("persistent id is not ('storage', type, key, location, numel)");
    Obj* s = make(Kind::Storage);
    bool found = false;
    for (const auto& st : kStorages)
      if (pid->items[1]->s == st.name) {
        s->dtype = st.dtype;
        found = true;
      }
    if (!found) fail(pid->items[1]->s + " is not a storage type");
    s->key = pid->items[2]->s;
    if (pid->items[4]->i < 0) fail("negative storage size");
    s->numel = static_cast<std::uint64_t>(pid->items[4]->i);
    return s;
  }

  static constexpr std::size_t kMaxTensorRankPickle = 8;

  void step(std::uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const std::uint64_t v = le(1);
        if (v < 2 || v > 5) fail("pickle protocol " + std::to_string(v) + " is not supported");
        break;
      }
      case 0x95: take(8); break;  // FRAME: a length hint only
      case '(': marks_.push_back(stack_.size()); break;
      case '}': push(make(Kind::Dict)); break;
      case ']': push(make(Kind::List)); break;
      case ')': push(tuple({})); break;
      case 'N': push(make(Kind::None)); break;
      case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
        Obj* b = make(Kind::Bool);
        b->i = op == 0x88;
        push(b);
        break;
      }
      case 'J': push(make_int(static_cast<std::int32_t>(le(4)))); break;
      case 'K': push(make_int(static_cast<std::int64_t>(le(1)))); break;
      case 'M': push(make_int(static_cast<std::int64_t>(le(2)))); break;
      case 0x8a: {  // LONG1: little-endian two's complement
        const std::uint64_t n = le(1);
        if (n > 8) fail("integer of " + std::to_string(n) + " bytes is too large");
        std::uint64_t v = n ? le(static_cast<int>(n)) : 0;
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);
        push(make_int(static_cast<std::int64_t>(v)));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        const std::uint8_t* q = take(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = bits << 8 | q[i];
        Obj* f = make(Kind::Float);
        std::memcpy(&f->f, &bits, 8);
        push(f);
        break;
      }
      case 'X': case 0x8c: {  // BINUNICODE, SHORT_BINUNICODE
        const std::uint64_t n = le(op == 'X' ? 4 : 1);
        const std::uint8_t* q = take(static_cast<std::size_t>(n));
        Obj* s = make(Kind::Str);
        s->s.assign(reinterpret_cast<const char*>(q), n);
        push(s);
        break;
      }
      case 'c': {  // GLOBAL "module\nname\n"
        const std::string module = line();
        const std::string name = line();
        push(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Obj* name = pop();
        Obj* module = pop();
        if (module->kind != Kind::Str || name->kind != Kind::Str) fail("STACK_GLOBAL needs two strings");
        push(global(module->s, name->s));
        break;
      }
      case 'q': memo_put(le(1)); break;  // BINPUT
      case 'r': memo_put(le(4)); break;  // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); break;  // MEMOIZE
      case 'h': push(memo_get(le(1))); break;  // BINGET
      case 'j': push(memo_get(le(4))); break;  // LONG_BINGET
      case 't': push(tuple(pop_mark())); break;
      case 0x85: { Obj* a = pop(); push(tuple({a})); break; }
      case 0x86: { Obj* b = pop(); Obj* a = pop(); push(tuple({a, b})); break; }
      case 0x87: { Obj* c = pop(); Obj* b = pop(); Obj* a = pop(); push(tuple({a, b, c})); break; }
      case 's': {  // SETITEM
        Obj* v = pop();
        Obj* k = pop();
        set_items(top(), {k, v});
        break;
      }
      case 'u': {  // SETITEMS
        std::vector<Obj*> kv = pop_mark();
        set_items(top(), kv);
        break;
      }
      case 'a': { Obj* v = pop(); append(top(), {v}); break; }  // APPEND
      case 'e': { std::vector<Obj*> v = pop_mark(); append(top(), v); break; }  // APPENDS
      case 'R': {  // REDUCE
        Obj* args = pop();
        Obj* callable = pop();
        push(reduce(callable, args));
        break;
      }
      case 'Q': push(persistent(pop())); break;  // BINPERSID
      case 'b': {  // BUILD: only OrderedDict's attribute dict (state_dict's _metadata)
        pop();
        if (top()->kind != Kind::Dict) fail("BUILD on a " + std::string(kind_name(top()->kind)));
        break;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("opcode ") + hex + " is not in the state-dict subset");
      }
    }
  }

  const std::uint8_t* p_;
  const std::uint8_t* end_;
  const std::uint8_t* begin_;
  const std::string& origin_;
  std::vector<std::unique_ptr<Obj>> arena_;
  std::vector<Obj*> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Obj*> memo_;

 public:
  std::vector<PickledTensor> state_dict() {
    const Obj* root = run();
    if (root->kind != Kind::Dict)
      throw Error(origin_ + ": pickle: the top-level object is a " + kind_name(root->kind) +
                  ", not a state dict");
    std::vector<PickledTensor> out;
    for (const auto& [k, v] : root->entries) {
      if (k->kind != Kind::Str) throw Error(origin_ + ": pickle: a state-dict key is not a string");
      if (v->kind != Kind::Tensor) continue;
      PickledTensor t;
      t.name = k->s;
      t.storage_key = v->storage->key;
      t.dtype = v->storage->dtype;
      t.storage_numel = v->storage->numel;
      t.offset = v->offset;
      t.shape = v->shape;
      t.strides = v->strides;
      out.push_back(std::move(t));
    }
    return out;
  }
};

}  // namespace

std::vector<PickledTensor> parse_state_dict_pickle(const std::uint8_t* data, std::size_t size,
                                                   const std::string& origin) {
  if (size > kMaxPickleBytes)
    throw Error(origin + ": pickle of " + std::to_string(size) + " bytes is over the limit");
  return Parser(data, size, origin).state_dict();
}

}  // namespace cappy
