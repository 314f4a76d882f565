using System.Text;

namespace MoT.Training.Checkpoints;

/// <summary>
/// The tensor names stored in a module section written by TorchSharp's <c>Module.save</c>, read without loading a
/// tensor: a LEB128 count, then per entry a LEB128-length-prefixed UTF-8 name and a tensor (LEB128 element type,
/// LEB128 rank, LEB128 sizes, raw data). Used to tell a user which weights a checkpoint lacks or adds, where
/// TorchSharp itself only says "Mismatched module state names".
/// </summary>
internal static class StateDictNames
{
    /// <summary>Names in stored order; <see cref="InvalidDataException"/> when the section is not in that format.</summary>
    public static List<string> Read(BinaryReader reader, long sectionEnd)
    {
        var stream = reader.BaseStream;
        var count = ReadLeb128(reader);
        if (count > 1_000_000) throw new InvalidDataException($"implausible tensor count {count}");
        var names = new List<string>((int)count);
        for (var i = 0; i < (int)count; i++)
        {
            var length = ReadLeb128(reader);
            if (length > 4096) throw new InvalidDataException($"implausible name length {length}");
            names.Add(Encoding.UTF8.GetString(reader.ReadBytes((int)length)));
            var elementBytes = ElementBytes(ReadLeb128(reader));
            var rank = ReadLeb128(reader);
            if (rank > 16) throw new InvalidDataException($"implausible rank {rank} of '{names[^1]}'");
            long elements = 1;
            for (var d = 0; d < (int)rank; d++)
                elements = checked(elements * (long)ReadLeb128(reader));
            var next = checked(stream.Position + elements * elementBytes);
            if (next > sectionEnd) throw new InvalidDataException($"tensor '{names[^1]}' runs past the model section");
            stream.Position = next;
        }
        return names;
    }

    // TorchSharp's ScalarType codes (PyTorch's numbering).
    private static int ElementBytes(ulong type) => type switch
    {
        0 or 1 or 11 => 1,           // uint8, int8, bool
        2 or 5 or 15 => 2,           // int16, float16, bfloat16
        3 or 6 => 4,                 // int32, float32
        4 or 7 or 9 => 8,            // int64, float64, complex64
        10 => 16,                    // complex128
        _ => throw new InvalidDataException($"unknown element type {type}"),
    };

    private static ulong ReadLeb128(BinaryReader reader)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = reader.ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("malformed length");
    }
}
