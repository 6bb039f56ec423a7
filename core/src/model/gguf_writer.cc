#include "model/gguf_writer.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cappy/cappy.h"
#include "model/gguf.h"

namespace cappy {

namespace {

void put_le(std::string& s, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_string(std::string& s, const std::string& v) {
  put_le(s, v.size(), 8);
  s += v;
}

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

GgufWriter::GgufWriter(std::uint32_t alignment) : alignment_(alignment) {
  add_u32("general.alignment", alignment);
}

void GgufWriter::add_string(const std::string& key, const std::string& value) {
  put_string(metadata_, key);
  put_le(metadata_, static_cast<std::uint32_t>(GgufType::STRING), 4);
  put_string(metadata_, value);
  ++kv_count_;
}

void GgufWriter::add_u32(const std::string& key, std::uint32_t value) {
  put_string(metadata_, key);
  put_le(metadata_, static_cast<std::uint32_t>(GgufType::U32), 4);
  put_le(metadata_, value, 4);
  ++kv_count_;
}

void GgufWriter::add_bytes(const std::string& key, const std::vector<std::uint8_t>& value) {
  put_string(metadata_, key);
  put_le(metadata_, static_cast<std::uint32_t>(GgufType::ARRAY), 4);
  put_le(metadata_, static_cast<std::uint32_t>(GgufType::U8), 4);
  put_le(metadata_, value.size(), 8);
  metadata_.append(value.begin(), value.end());
  ++kv_count_;
}

void GgufWriter::add_tensor(const std::string& name, DType dtype, std::vector<std::int64_t> shape,
                            Fill fill) {
  GgmlType ggml;
  if (!dtype_to_ggml(dtype, &ggml))
    throw Error("tensor \"" + name + "\": dtype " + dtype_name(dtype) + " has no GGUF type");
  std::uint64_t nbytes = 0;
  if (shape.empty() || shape.size() > kMaxGgufDims || !tensor_nbytes(dtype, shape, &nbytes))
    throw Error("tensor \"" + name + "\": shape " + shape_text(shape) + " does not fit " +
                dtype_name(dtype));
  data_bytes_ = align_up(data_bytes_, alignment_);
  tensors_.push_back({name, dtype, std::move(shape), nbytes, data_bytes_, std::move(fill)});
  data_bytes_ += nbytes;
}

void GgufWriter::write(std::ostream& out, const Progress& progress) const {
  std::string head = "GGUF";
  put_le(head, 3, 4);
  put_le(head, tensors_.size(), 8);
  put_le(head, kv_count_, 8);
  head += metadata_;
  for (const Tensor& t : tensors_) {
    put_string(head, t.name);
    put_le(head, t.shape.size(), 4);
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) put_le(head, *it, 8);  // GGML order
    GgmlType ggml;
    dtype_to_ggml(t.dtype, &ggml);
    put_le(head, static_cast<std::uint32_t>(ggml), 4);
    put_le(head, t.offset, 8);
  }
  head.resize(align_up(head.size(), alignment_), '\0');
  out.write(head.data(), static_cast<std::streamsize>(head.size()));

  std::vector<std::uint8_t> buf;
  std::uint64_t written = 0;
  for (std::size_t k = 0; k < tensors_.size(); ++k) {
    const Tensor& t = tensors_[k];
    const std::string pad(t.offset - written, '\0');
    out.write(pad.data(), static_cast<std::streamsize>(pad.size()));
    buf.assign(t.nbytes, 0);
    t.fill(buf.data());
    out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    written = t.offset + t.nbytes;
    if (!out) throw Error("writing tensor \"" + t.name + "\" failed");
    if (progress) progress(k + 1, tensors_.size());
  }
}

void GgufWriter::write_file(const std::string& path, const Progress& progress) const {
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(tmp + ": cannot be created");
    try {
      write(out, progress);
      out.flush();
      if (!out) throw Error(tmp + ": write failed (disk full?)");
    } catch (...) {
      out.close();
      std::remove(tmp.c_str());
      throw;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(path + ": cannot be written (rename failed)");
  }
}

std::vector<std::uint8_t> GgufWriter::write_memory() const {
  std::ostringstream out(std::ios::binary);
  write(out);
  const std::string s = std::move(out).str();
  return {s.begin(), s.end()};
}

}  // namespace cappy
