using System.Globalization;
using System.Text.Json.Nodes;
using MoT.Dashboard.Components;

namespace MoT.Dashboard.Tests;

/// <summary>The run page's config panel prints numbers at readable precision, never changing a value by more than its rounding.</summary>
public sealed class ConfigNumbersTests
{
    [Theory]
    [InlineData(0.0007562882292797111, "0.000756288")]
    [InlineData(0.1, "0.1")]
    [InlineData(3e-4, "0.0003")]
    [InlineData(3.16227766016838e-7, "3.16228e-7")]
    [InlineData(2048.0, "2048")]
    [InlineData(100_000.0, "100000")]
    [InlineData(-0.123456789, "-0.123457")]
    public void A_config_number_reads_at_six_significant_digits_and_a_whole_number_stays_whole(double value, string text) =>
        Assert.Equal(text, ConfigNumbers.Format(value));

    [Fact]
    public void The_readable_config_differs_from_the_exact_one_only_by_rounding_of_non_integers()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var lr = Math.Exp(random.NextDouble() * 12 - 14); // 8e-7 .. 0.14, the learning rates a sweep samples
            var huge = (random.NextDouble() - 0.5) * 1e9;
            var exact = new JsonObject
            {
                ["training"] = new JsonObject { ["lr"] = lr, ["steps"] = 123_456_789L, ["schedule"] = "cosine" },
                ["values"] = new JsonArray(huge, 1, true),
            };
            var readable = JsonNode.Parse(ConfigNumbers.Readable(exact.ToJsonString()))!;

            Assert.Equal(123_456_789L, readable["training"]!["steps"]!.GetValue<long>());
            Assert.Equal("cosine", readable["training"]!["schedule"]!.GetValue<string>());
            Assert.Equal(1, readable["values"]![1]!.GetValue<int>());
            Assert.True(readable["values"]![2]!.GetValue<bool>());
            foreach (var (shown, value) in new[] { (readable["training"]!["lr"]!, lr), (readable["values"]![0]!, huge) })
            {
                var number = shown.GetValue<double>();
                Assert.True(Math.Abs(number - value) <= Math.Abs(value) * 5e-6, $"{value.ToString("R", CultureInfo.InvariantCulture)} shown as {shown.ToJsonString()}");
                Assert.True(SignificantDigits(shown.ToJsonString()) <= ConfigNumbers.SignificantDigits, $"{value} shown as {shown.ToJsonString()}");
            }
        }
    }

    private static int SignificantDigits(string text)
    {
        var mantissa = text.Split('e', 'E')[0].TrimStart('-').Replace(".", "", StringComparison.Ordinal).Trim('0');
        return mantissa.Length;
    }
}
