using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace MoT.Silo.Tests.Deployment;

/// <summary>The repository's deployment files, parsed as plain maps and lists (merge keys resolved, as Compose does).</summary>
internal static class DeploymentFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>One YAML document; <c>&lt;&lt;</c> merge keys are applied.</summary>
    public static Dictionary<object, object> LoadYaml(string relative) => LoadAll(relative).Single();

    /// <summary>Every document of a multi-document YAML file (empty documents skipped).</summary>
    public static IReadOnlyList<Dictionary<object, object>> LoadAll(string relative)
    {
        using var reader = new StringReader(Read(relative));
        var parser = new MergingParser(new Parser(reader));
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<Dictionary<object, object>>();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (!parser.Accept<YamlDotNet.Core.Events.StreamEnd>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object>?>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    public static Dictionary<object, object> Map(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) && value is Dictionary<object, object> child
            ? child
            : throw new KeyNotFoundException($"no map '{key}'");

    public static List<object> List(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) && value is List<object> child
            ? child
            : throw new KeyNotFoundException($"no list '{key}'");

    public static string? Scalar(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) ? value as string : null;

    public static bool Has(this object? node, string key) => node is Dictionary<object, object> map && map.ContainsKey(key);

    public static IEnumerable<string> Strings(this List<object> list) => list.Select(item => item as string ?? throw new InvalidCastException($"{item} is not a string"));

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MoT.Platform.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("MoT.Platform.sln not found above " + AppContext.BaseDirectory);
    }
}
