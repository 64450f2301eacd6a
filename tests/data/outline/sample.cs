using System;
using System.Collections.Generic;

namespace Demo
{
    /// <summary>A greeter.</summary>
    public class Greeter : IGreeter
    {
        private string name;

        public Greeter(string name)
        {
            this.name = name;
        }

        /// <summary>Says hello.</summary>
        public void Greet()
        {
            Console.WriteLine(name);
        }

        public string Name { get; set; }
    }

    public interface IGreeter
    {
        void Greet();
    }

    public struct Pair { public int A; }

    public enum Mood { Happy, Sad }
}
