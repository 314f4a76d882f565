using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoT.Training.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MoT.Silo.Sweeps;

/// <summary>
/// Reads one YAML document into a JSON tree under <see cref="InputLimits"/>: duplicate keys are errors (not "last one
/// wins"), nesting is bounded, and aliases are counted at their expanded size while parsing, so a small file that
/// expands to gigabytes is refused before anything is copied. Plain scalars that look like numbers, booleans or null
/// become those; quoted scalars stay text. Errors are <see cref="SweepYamlException"/>s naming the line or key path.
/// </summary>
public static partial class BoundedYaml
{
    /// <summary>Parses <paramref name="yaml"/>; an empty document is null.</summary>
    public static JsonNode? Parse(string yaml, InputLimits limits)
    {
        if (yaml.Length > limits.MaxFileBytes)
            throw new SweepYamlException($"the YAML is {yaml.Length:N0} characters; at most {limits.MaxFileBytes:N0} are allowed (limit MaxFileBytes)");
        var reader = new Reader(new Parser(new StringReader(yaml)), limits);
        try
        {
            return reader.ReadDocument();
        }
        catch (YamlException error)
        {
            throw new SweepYamlException($"line {error.Start.Line}, column {error.Start.Column}: {Plain(error.Message)}");
        }
        catch (InvalidOperationException error) when (error.TargetSite?.DeclaringType?.Namespace?.StartsWith("YamlDotNet", StringComparison.Ordinal) == true)
        {
            // YamlDotNet's scanner gives up on some malformed input (e.g. a flow list cut by a line break) without a position.
            throw new SweepYamlException($"after line {reader.LastLine}: the YAML could not be parsed (check brackets, quotes and indentation)");
        }
    }

    /// <summary>YamlDotNet's message without its "(Line: .., Col: ..)" positions (we give our own).</summary>
    private static string Plain(string message) => PositionPrefix().Replace(message, "").Trim()
        .Replace("unexpected end of stream", "the end of the file (an unclosed quote or bracket?)", StringComparison.OrdinalIgnoreCase)
        .Replace("unexpected ", "misplaced ", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):")]
    private static partial Regex PositionPrefix();

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    private sealed class Reader(IParser parser, InputLimits limits)
    {
        private readonly Dictionary<string, (JsonNode? Node, long Size)> _anchors = new(StringComparer.Ordinal);
        private long _expanded;

        /// <summary>The last line the parser reached (for errors the parser reports without a position).</summary>
        public long LastLine { get; private set; } = 1;

        public JsonNode? ReadDocument()
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            var root = Read("", 0, out _);
            parser.Consume<DocumentEnd>();
            if (!parser.TryConsume<StreamEnd>(out _))
                throw new SweepYamlException("the file holds more than one YAML document (a second '---'); put one sweep in a file");
            return root;
        }

        private JsonNode? Read(string path, int depth, out long size)
        {
            if (depth > limits.MaxYamlDepth)
                throw Error(path, $"nesting is deeper than {limits.MaxYamlDepth} levels (limit MaxYamlDepth)");
            var start = parser.Current?.Start ?? Mark.Empty;
            LastLine = Math.Max(LastLine, start.Line);
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
                    throw new SweepYamlException($"line {alias.Start.Line}: alias *{alias.Value.Value} refers to no anchor defined before it");
                Count(anchored.Size, path);
                size = anchored.Size;
                return anchored.Node?.DeepClone();
            }

            JsonNode? node;
            AnchorName anchor;
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                anchor = scalar.Anchor;
                size = scalar.Value.Length + 8;
                Count(size, path);
                node = Convert(scalar, path);
            }
            else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
            {
                anchor = sequenceStart.Anchor;
                size = 8;
                Count(size, path);
                var list = new JsonArray();
                for (var i = 0; !parser.TryConsume<SequenceEnd>(out _); i++)
                {
                    list.Add(Read($"{path}[{i}]", depth + 1, out var itemSize));
                    size += itemSize;
                }
                node = list;
            }
            else if (parser.TryConsume<MappingStart>(out var mappingStart))
            {
                anchor = mappingStart.Anchor;
                size = 8;
                Count(size, path);
                var map = new JsonObject();
                var lines = new Dictionary<string, long>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyStart = parser.Current?.Start ?? Mark.Empty;
                    if (!parser.TryConsume<Scalar>(out var key))
                        throw new SweepYamlException($"line {keyStart.Line}: {Where(path)}keys must be plain names, not lists, mappings or aliases");
                    var name = key.Value;
                    var keyPath = path.Length == 0 ? name : $"{path}.{name}";
                    if (lines.TryGetValue(name, out var firstLine))
                        throw Error(keyPath, $"appears twice (lines {firstLine} and {key.Start.Line}); keep one");
                    lines[name] = key.Start.Line;
                    size += name.Length + 8;
                    Count(name.Length + 8, path);
                    map[name] = Read(keyPath, depth + 1, out var valueSize);
                    size += valueSize;
                }
                node = map;
            }
            else
            {
                throw new SweepYamlException($"line {start.Line}, column {start.Column}: a value is missing or misplaced here (check indentation)");
            }

            if (!anchor.IsEmpty) _anchors[anchor.Value] = (node, size);
            return node;
        }

        /// <summary>Adds to the expanded size and stops the parse once it passes the limit.</summary>
        private void Count(long bytes, string path)
        {
            _expanded += bytes;
            if (_expanded > limits.MaxExpandedYamlBytes)
                throw Error(path, $"the YAML expands (through its aliases) to more than {limits.MaxExpandedYamlBytes:N0} bytes (limit MaxExpandedYamlBytes)");
        }

        private static JsonNode? Convert(Scalar scalar, string path)
        {
            var text = scalar.Value;
            if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded
                || (scalar.Tag.IsGlobal && scalar.Tag.Value is "tag:yaml.org,2002:str"))
                return JsonValue.Create(text);
            switch (text)
            {
                case "" or "~" or "null" or "Null" or "NULL":
                    return null;
                case "true" or "True" or "TRUE":
                    return JsonValue.Create(true);
                case "false" or "False" or "FALSE":
                    return JsonValue.Create(false);
                case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF" or ".nan" or ".NaN" or ".NAN":
                    throw Error(path, $"{text} is not a finite number");
            }
            if (IntegerPattern().IsMatch(text))
            {
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole)) return JsonValue.Create(whole);
                // Beyond 64 bits: keep the magnitude so range checks can say how far out it is.
                return JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
            }
            if (FloatPattern().IsMatch(text))
            {
                var number = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(number)) throw Error(path, $"{RunConfigSchema.Shorten(text)} is too large to be a number");
                return JsonValue.Create(number);
            }
            return JsonValue.Create(text);
        }

        private static string Where(string path) => path.Length == 0 ? "" : $"{RunConfigSchema.Shorten(path)}: ";

        /// <summary>A problem at a key path (the file itself when the path is empty).</summary>
        private static SweepYamlException Error(string path, string message) =>
            new([new MoT.Contracts.Sweeps.SpecError(RunConfigSchema.Shorten(path), message)]);
    }
}
