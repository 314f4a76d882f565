using System.Text;

namespace MoT.Training.Data;

/// <summary>UTF-8 bytes as tokens (ids 0..255) plus end-of-text (256): no vocabulary to learn or ship.</summary>
public sealed class ByteTokenizer : ITokenizer
{
    /// <summary>The text end-of-text decodes to, shared with the BPE tokenizer.</summary>
    public const string EndOfTextText = "<|endoftext|>";

    /// <summary>The single instance; the tokenizer has no state.</summary>
    public static ByteTokenizer Instance { get; } = new();

    private ByteTokenizer() { }

    public string Identity => "bytes-v1";

    public int VocabSize => 257;

    public int EndOfText => 256;

    public TokenizerSpec Spec => TokenizerSpec.Bytes;

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            ids[i] = bytes[i];
        return ids;
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length);
        foreach (var id in ids)
        {
            if (id == EndOfText)
                bytes.AddRange(Encoding.UTF8.GetBytes(EndOfTextText));
            else if ((uint)id < 256)
                bytes.Add((byte)id);
            else
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the byte vocabulary [0, {VocabSize})");
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
