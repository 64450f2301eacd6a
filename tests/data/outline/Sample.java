package com.example;

import java.util.List;
import java.util.Map;

/**
 * A greeter.
 */
public class Greeter implements Runnable {
    private final String name;

    public Greeter(String name) {
        this.name = name;
    }

    /** Says hello. */
    @Override
    public void run() {
        System.out.println(name);
    }

    interface Listener {
        void onGreet(String name);
    }

    enum Mood { HAPPY, SAD }
}
