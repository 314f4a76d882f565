namespace MoT.Training.Data;

/// <summary>A corpus a user pointed at is missing or malformed; the message names the file (and line).</summary>
public sealed class CorpusException : IOException
{
    public CorpusException(string filePath, string problem, long? line = null, Exception? inner = null)
        : base(line is { } l ? $"{filePath}:{l}: {problem}" : $"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
        Line = line;
    }

    /// <summary>The offending file or directory.</summary>
    public string FilePath { get; }

    /// <summary>1-based line number for line-oriented formats, when known.</summary>
    public long? Line { get; }
}
